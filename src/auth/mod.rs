//! Authorization: profiles, Atlassian OAuth 2.0 (3LO), API tokens and PATs, the token store.
//! (Skeleton: filled in by issue 4.)

mod profile;

pub use profile::ProfileConfig;
