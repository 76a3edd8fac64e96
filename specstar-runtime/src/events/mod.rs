//! Events: before / after / on_success / on_failure phases for every action, and handlers.
