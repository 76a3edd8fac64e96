//! One conformance suite for every `ResourceStore` backend: the same cases (in
//! `store_common/cases.rs`) run against each backend's factory.
//!
//! PostgreSQL cases read `SPECSTAR_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), use a fresh schema each and drop it afterwards;
//! they print "skipped: …" when the server is unreachable, unless `SPECSTAR_REQUIRE_SERVICES=1`.

mod store_common;

use store_common::cases;

macro_rules! conformance {
    ($backend:ident, $factory:path) => {
        mod $backend {
            use super::*;

            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(fixture) = $factory().await else { return };
                        cases::$name(&*fixture.store).await;
                    }
                };
                (shared $name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(fixture) = $factory().await else { return };
                        cases::$name(fixture.store.clone()).await;
                    }
                };
            }

            case!(create_then_load_round_trips);
            case!(binary_payloads_round_trip);
            case!(create_of_existing_id_conflicts_and_writes_nothing);
            case!(update_is_compare_and_set);
            case!(revision_ids_are_never_reused);
            case!(replace_revision_overwrites_in_place);
            case!(list_revisions_oldest_first);
            case!(load_current_reads_meta_and_revision_together);
            case!(load_revisions_reads_a_page_at_once);
            case!(purge_removes_everything);
            case!(unique_refuses_a_second_holder);
            case!(unique_lets_null_and_absent_repeat);
            case!(unique_compares_numbers_numerically);
            case!(unique_value_is_freed_by_delete_and_change);
            case!(shared unique_holds_under_concurrent_creates);
            case!(shared cas_holds_under_concurrent_updates);
            case!(shared concurrent_commits_fail_alone);
            case!(equality_operators);
            case!(order_operators);
            case!(text_and_list_operators);
            case!(membership_operators);
            case!(whole_values_are_unknown);
            case!(null_and_presence_operators);
            case!(logic_operators);
            case!(meta_field_conditions);
            case!(malformed_queries_are_bad_query);
            case!(sorting);
            case!(paging);
            case!(deleted_resources_are_still_searchable_by_flag);
        }
    };
}

conformance!(sqlite, store_common::sqlite);
conformance!(postgres, store_common::postgres);
conformance!(disk, store_common::disk);
conformance!(memory, store_common::memory);
