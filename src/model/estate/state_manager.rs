//! The estate's associations, maintenance windows and change calendars, per scope, and
//! the association and window details fetched on demand.

use super::super::{
    Association, AssociationDetail, ChangeCalendar, Feed, MaintenanceWindow, ScopeId, WindowDetail,
};
use super::{DetailRequest, Estate, with_scope};

impl Estate {
    /// Associations of one scope.
    pub fn scope_associations(&self, id: ScopeId) -> &[Association] {
        self.data
            .get(id as usize)
            .map(|d| d.associations.as_slice())
            .unwrap_or(&[])
    }

    /// Associations of every scope, scope by scope.
    pub fn associations(&self) -> impl Iterator<Item = &Association> {
        self.data.iter().flat_map(|d| &d.associations)
    }

    /// Maintenance windows of one scope.
    pub fn scope_windows(&self, id: ScopeId) -> &[MaintenanceWindow] {
        self.data
            .get(id as usize)
            .map(|d| d.windows.as_slice())
            .unwrap_or(&[])
    }

    /// Maintenance windows of every scope, scope by scope.
    pub fn windows(&self) -> impl Iterator<Item = &MaintenanceWindow> {
        self.data.iter().flat_map(|d| &d.windows)
    }

    /// Change calendars of one scope.
    pub fn scope_calendars(&self, id: ScopeId) -> &[ChangeCalendar] {
        self.data
            .get(id as usize)
            .map(|d| d.calendars.as_slice())
            .unwrap_or(&[])
    }

    /// An association fetched in full.
    pub fn association_detail(&self, scope: ScopeId, id: &str) -> Option<&AssociationDetail> {
        self.association_details.get(&(scope, id.to_string()))
    }

    /// A maintenance window fetched in full.
    pub fn window_detail(&self, scope: ScopeId, id: &str) -> Option<&WindowDetail> {
        self.window_details.get(&(scope, id.to_string()))
    }

    pub(super) fn set_associations(
        &mut self,
        scope: ScopeId,
        items: Vec<Association>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        if !self.loaded(scope, Feed::Associations, at) {
            return false;
        }
        self.data[scope as usize].associations = with_scope(items, scope, |i, s| i.scope = s);
        self.bump(Feed::Associations);
        true
    }

    pub(super) fn set_windows(
        &mut self,
        scope: ScopeId,
        items: Vec<MaintenanceWindow>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        if !self.loaded(scope, Feed::Windows, at) {
            return false;
        }
        self.data[scope as usize].windows = with_scope(items, scope, |i, s| i.scope = s);
        self.bump(Feed::Windows);
        true
    }

    pub(super) fn set_calendars(
        &mut self,
        scope: ScopeId,
        items: Vec<ChangeCalendar>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        if !self.loaded(scope, Feed::Calendars, at) {
            return false;
        }
        self.data[scope as usize].calendars = with_scope(items, scope, |i, s| i.scope = s);
        self.bump(Feed::Calendars);
        true
    }

    pub(super) fn set_association_detail(
        &mut self,
        scope: ScopeId,
        mut detail: AssociationDetail,
    ) -> bool {
        if self.scope(scope).is_none() {
            return false;
        }
        detail.association.scope = scope;
        let id = detail.association.association_id.clone();
        self.detail_errors.remove(&DetailRequest::Association {
            scope,
            id: id.clone(),
        });
        self.association_details.insert((scope, id), detail);
        self.bump(Feed::Associations);
        true
    }

    pub(super) fn set_window_detail(&mut self, scope: ScopeId, mut detail: WindowDetail) -> bool {
        if self.scope(scope).is_none() {
            return false;
        }
        detail.window.scope = scope;
        let id = detail.window.window_id.clone();
        self.detail_errors.remove(&DetailRequest::Window {
            scope,
            id: id.clone(),
        });
        self.window_details.insert((scope, id), detail);
        self.bump(Feed::Windows);
        true
    }

    pub(super) fn clear_state_manager_details(&mut self) {
        self.association_details.clear();
        self.window_details.clear();
    }
}
