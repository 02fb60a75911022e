//! The columns of the managed-nodes table: titles, filter keys, sort order.

/// A column of the managed-nodes table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Account,
    Region,
    InstanceId,
    Name,
    Ping,
    Platform,
    Os,
    Agent,
    Ip,
    LastPing,
}

impl Column {
    /// Left to right.
    pub const ALL: [Column; 10] = [
        Column::Account,
        Column::Region,
        Column::InstanceId,
        Column::Name,
        Column::Ping,
        Column::Platform,
        Column::Os,
        Column::Agent,
        Column::Ip,
        Column::LastPing,
    ];

    /// Columns that have a text field in the filter haystack, in haystack order: all but
    /// the last ping, a time.
    pub const TEXT: [Column; 9] = {
        let mut text = [Column::Account; 9];
        let mut i = 0;
        while i < text.len() {
            text[i] = Column::ALL[i];
            i += 1;
        }
        text
    };

    pub fn title(self) -> &'static str {
        match self {
            Column::Account => "Account",
            Column::Region => "Region",
            Column::InstanceId => "Instance ID",
            Column::Name => "Name",
            Column::Ping => "Ping",
            Column::Platform => "Platform",
            Column::Os => "OS",
            Column::Agent => "Agent",
            Column::Ip => "IP",
            Column::LastPing => "Last ping",
        }
    }

    /// The name used in `key=value` filter terms.
    pub fn filter_key(self) -> &'static str {
        match self {
            Column::Account => "account",
            Column::Region => "region",
            Column::InstanceId => "id",
            Column::Name => "name",
            Column::Ping => "ping",
            Column::Platform => "platform",
            Column::Os => "os",
            Column::Agent => "agent",
            Column::Ip => "ip",
            Column::LastPing => "last",
        }
    }

    /// Position of this column's field in a haystack row, if it has one.
    pub fn text_slot(self) -> Option<usize> {
        Column::TEXT.iter().position(|c| *c == self)
    }

    /// The column a filter key names (`instance` is accepted for `id`).
    pub fn from_filter_key(key: &str) -> Option<Column> {
        let key = key.to_ascii_lowercase();
        if key == "instance" {
            return Some(Column::InstanceId);
        }
        Column::TEXT.into_iter().find(|c| c.filter_key() == key)
    }

    pub fn index(self) -> usize {
        Column::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }

    /// The next column to the right, wrapping.
    pub fn next(self) -> Column {
        Column::ALL[(self.index() + 1) % Column::ALL.len()]
    }

    /// The next column to the left, wrapping.
    pub fn prev(self) -> Column {
        Column::ALL[(self.index() + Column::ALL.len() - 1) % Column::ALL.len()]
    }
}
