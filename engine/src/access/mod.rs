//! Who may do what, by type: a signed-in admin gets a [`ReadHandle`] from
//! [`Engine::read`]; only an admin with write rights gets a [`WriteHandle`]
//! from [`Engine::write`]. Every change exists only on the write handle, so
//! a server function or route that forgets to check cannot compile.

mod apps;
mod assignments;
mod directory;
mod imports;
mod report;
mod sessions;
mod settings;

pub use directory::{LogCursor, LogSlice, CSV_EVENTS, CSV_PEOPLE, MAX_STATUS_CHANGE};
pub use sessions::{
    PushedGroup, PushedMembership, PushedUser, Upload, MAX_ENTITIES, MAX_REQUESTS, MAX_USERS,
};

use crate::error::{Error, Result};
use crate::model::Admin;
use crate::syslog::Actor;
use crate::Engine;

/// What a signed-in admin can look at.
#[derive(Clone, Copy)]
pub struct ReadHandle<'e> {
    pub(crate) engine: &'e Engine,
    pub(crate) admin: &'e Admin,
}

/// What an admin with write rights can change (and look at: it derefs to a
/// [`ReadHandle`]).
#[derive(Clone, Copy)]
pub struct WriteHandle<'e> {
    read: ReadHandle<'e>,
}

impl<'e> std::ops::Deref for WriteHandle<'e> {
    type Target = ReadHandle<'e>;
    fn deref(&self) -> &ReadHandle<'e> {
        &self.read
    }
}

impl Engine {
    /// The read handle of a signed-in admin.
    pub fn read<'e>(&'e self, admin: &'e Admin) -> ReadHandle<'e> {
        ReadHandle {
            engine: self,
            admin,
        }
    }

    /// The write handle of an admin with write rights; read-only admins are
    /// refused.
    pub fn write<'e>(&'e self, admin: &'e Admin) -> Result<WriteHandle<'e>> {
        if admin.can_write() {
            Ok(WriteHandle {
                read: self.read(admin),
            })
        } else {
            Err(Error::Forbidden)
        }
    }
}

impl WriteHandle<'_> {
    fn actor(&self) -> Actor {
        Actor::admin(self.admin)
    }
}
