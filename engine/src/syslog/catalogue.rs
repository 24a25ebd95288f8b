//! Every event type Muster writes to the System Log, in one place. An event
//! can only be written with a type from this list.

/// The kinds of System Log event, named as Okta names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    ApplicationCreate,
    ApplicationUpdate,
    ApplicationActivate,
    ApplicationDeactivate,
    ApplicationDelete,
    MembershipAdd,
    MembershipRemove,
    ClearUnconfirmedUsers,
    ImportStart,
    ImportComplete,
    CsvImportStart,
    CsvImportComplete,
    DownloadStart,
    DownloadComplete,
    MatchingStart,
    MatchingComplete,
    ObjectCreationStart,
    ObjectCreationComplete,
    ImplicitDeletionStart,
    ImplicitDeletionComplete,
    Roadblock,
    RoadblockResume,
    RoadblockCancel,
    ImportUserCreate,
    ImportUserUpdate,
    ImportUserDelete,
    ImportUserSuspend,
    ImportUserUnsuspend,
    UserMatchConfirm,
    UserMatchUpdate,
    OrgSettingsUpdate,
    UserCreate,
    UserActivate,
    UserReactivate,
    UserSuspend,
    UserUnsuspend,
    UserDeactivate,
    UserDelete,
    SessionStart,
    SessionEnd,
    AccountLock,
    GroupCreate,
    GroupUpdate,
    GroupDelete,
    GroupMembershipAdd,
    GroupMembershipRemove,
    RealTimeSync,
    ApiTokenCreate,
    ApiTokenFirstUse,
    ApiTokenRevoke,
    ImportSessionCreate,
    ImportSessionTrigger,
    ImportSessionCancel,
    ImportSessionExpire,
    IdentitySourceBulkUpsert,
    IdentitySourceBulkDelete,
    UserProfileUpdate,
    IdentitySourceUserCreate,
    IdentitySourceUserUpdate,
    IdentitySourceUserDelete,
}

impl EventType {
    /// Every event type, for listings and tests.
    pub const ALL: [EventType; 60] = [
        EventType::ApplicationCreate,
        EventType::ApplicationUpdate,
        EventType::ApplicationActivate,
        EventType::ApplicationDeactivate,
        EventType::ApplicationDelete,
        EventType::MembershipAdd,
        EventType::MembershipRemove,
        EventType::ClearUnconfirmedUsers,
        EventType::ImportStart,
        EventType::ImportComplete,
        EventType::CsvImportStart,
        EventType::CsvImportComplete,
        EventType::DownloadStart,
        EventType::DownloadComplete,
        EventType::MatchingStart,
        EventType::MatchingComplete,
        EventType::ObjectCreationStart,
        EventType::ObjectCreationComplete,
        EventType::ImplicitDeletionStart,
        EventType::ImplicitDeletionComplete,
        EventType::Roadblock,
        EventType::RoadblockResume,
        EventType::RoadblockCancel,
        EventType::ImportUserCreate,
        EventType::ImportUserUpdate,
        EventType::ImportUserDelete,
        EventType::ImportUserSuspend,
        EventType::ImportUserUnsuspend,
        EventType::UserMatchConfirm,
        EventType::UserMatchUpdate,
        EventType::OrgSettingsUpdate,
        EventType::UserCreate,
        EventType::UserActivate,
        EventType::UserReactivate,
        EventType::UserSuspend,
        EventType::UserUnsuspend,
        EventType::UserDeactivate,
        EventType::UserDelete,
        EventType::SessionStart,
        EventType::SessionEnd,
        EventType::AccountLock,
        EventType::GroupCreate,
        EventType::GroupUpdate,
        EventType::GroupDelete,
        EventType::GroupMembershipAdd,
        EventType::GroupMembershipRemove,
        EventType::RealTimeSync,
        EventType::ApiTokenCreate,
        EventType::ApiTokenFirstUse,
        EventType::ApiTokenRevoke,
        EventType::ImportSessionCreate,
        EventType::ImportSessionTrigger,
        EventType::ImportSessionCancel,
        EventType::ImportSessionExpire,
        EventType::IdentitySourceBulkUpsert,
        EventType::IdentitySourceBulkDelete,
        EventType::UserProfileUpdate,
        EventType::IdentitySourceUserCreate,
        EventType::IdentitySourceUserUpdate,
        EventType::IdentitySourceUserDelete,
    ];

    /// The `eventType` the System Log shows and filters on.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ApplicationCreate => "application.lifecycle.create",
            EventType::ApplicationUpdate => "application.lifecycle.update",
            EventType::ApplicationActivate => "application.lifecycle.activate",
            EventType::ApplicationDeactivate => "application.lifecycle.deactivate",
            EventType::ApplicationDelete => "application.lifecycle.delete",
            EventType::MembershipAdd => "application.user_membership.add",
            EventType::MembershipRemove => "application.user_membership.remove",
            EventType::ClearUnconfirmedUsers => "system.import.clear.unconfirmed.users.summary",
            EventType::ImportStart => "system.import.start",
            EventType::ImportComplete => "system.import.complete",
            EventType::CsvImportStart => "system.import.user_csv.start",
            EventType::CsvImportComplete => "system.import.user_csv.complete",
            EventType::DownloadStart => "system.import.download.start",
            EventType::DownloadComplete => "system.import.download.complete",
            EventType::MatchingStart => "system.import.user_matching.start",
            EventType::MatchingComplete => "system.import.user_matching.complete",
            EventType::ObjectCreationStart => "system.import.object_creation.start",
            EventType::ObjectCreationComplete => "system.import.object_creation.complete",
            EventType::ImplicitDeletionStart => "system.import.implicit_deletion.start",
            EventType::ImplicitDeletionComplete => "system.import.implicit_deletion.complete",
            EventType::Roadblock => "system.import.roadblock",
            EventType::RoadblockResume => "system.import.roadblock.resume",
            EventType::RoadblockCancel => "system.import.roadblock.cancel",
            EventType::ImportUserCreate => "system.import.user.create",
            EventType::ImportUserUpdate => "system.import.user.update",
            EventType::ImportUserDelete => "system.import.user.delete",
            EventType::ImportUserSuspend => "system.import.user.suspend",
            EventType::ImportUserUnsuspend => "system.import.user.unsuspend",
            EventType::UserMatchConfirm => "system.import.user_match.confirm",
            EventType::UserMatchUpdate => "system.import.user_match.update",
            EventType::OrgSettingsUpdate => "system.org.settings.update",
            EventType::UserCreate => "user.lifecycle.create",
            EventType::UserActivate => "user.lifecycle.activate",
            EventType::UserReactivate => "user.lifecycle.reactivate",
            EventType::UserSuspend => "user.lifecycle.suspend",
            EventType::UserUnsuspend => "user.lifecycle.unsuspend",
            EventType::UserDeactivate => "user.lifecycle.deactivate",
            EventType::UserDelete => "user.lifecycle.delete.completed",
            EventType::SessionStart => "user.session.start",
            EventType::SessionEnd => "user.session.end",
            EventType::AccountLock => "user.account.lock",
            EventType::GroupCreate => "group.lifecycle.create",
            EventType::GroupUpdate => "group.profile.update",
            EventType::GroupDelete => "group.lifecycle.delete",
            EventType::GroupMembershipAdd => "group.user_membership.add",
            EventType::GroupMembershipRemove => "group.user_membership.remove",
            EventType::RealTimeSync => "system.import.realtime_sync",
            EventType::ApiTokenCreate => "system.api_token.create",
            EventType::ApiTokenFirstUse => "system.api_token.first_use",
            EventType::ApiTokenRevoke => "system.api_token.revoke",
            EventType::ImportSessionCreate => "system.import.session.created",
            EventType::ImportSessionTrigger => "system.import.session.triggered",
            EventType::ImportSessionCancel => "system.import.session.cancelled",
            EventType::ImportSessionExpire => "system.import.session.expired",
            EventType::IdentitySourceBulkUpsert => "system.identity_sources.bulk_upsert",
            EventType::IdentitySourceBulkDelete => "system.identity_sources.bulk_delete",
            EventType::UserProfileUpdate => "user.account.update_profile",
            EventType::IdentitySourceUserCreate => "system.identity_sources.user.create",
            EventType::IdentitySourceUserUpdate => "system.identity_sources.user.update",
            EventType::IdentitySourceUserDelete => "system.identity_sources.user.delete",
        }
    }
}

impl EventType {
    /// The type an import of this kind of app logs for a person: a Custom
    /// Identity Source's imports log Okta's `system.identity_sources.user.*`
    /// where other apps log `system.import.user.*`.
    pub fn of_source(self, kind: crate::model::AppKind) -> EventType {
        match (self, kind.is_pushed()) {
            (EventType::ImportUserCreate, true) => EventType::IdentitySourceUserCreate,
            (EventType::ImportUserUpdate, true) => EventType::IdentitySourceUserUpdate,
            (EventType::ImportUserDelete, true) => EventType::IdentitySourceUserDelete,
            (t, _) => t,
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_its_own_name() {
        let mut names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventType::ALL.len());
    }
}
