//! Permissions: the permission-checker trait (allow-all default); RBAC comes later.
