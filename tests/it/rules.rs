//! Every fixture file under tests/fixtures/GMxxx/ is a case for rule GMxxx and a
//! test of its own (`rules::GM004::pos_closure`; a file in a subfolder is named with
//! `__` for `/`, as in `rules::GM003::internal__poller__pos_poller`): `pos_*.go`
//! must draw at least one `high`-confidence GMxxx finding (one shown by default);
//! `low_*.go` must draw GMxxx findings, none of them `high` (shown only with
//! `--confidence medium` or `low`: the rule sees the shape but lacks the evidence);
//! both have a snapshot (snapshots/GMxxx__NAME.snap) of their findings, each with
//! its confidence and evidence, and of the diff `fix --unsafe-fixes` makes at
//! `--confidence low`; `neg_*.go` must draw none at any confidence. Each rule folder is one Go module, checked and fixed once as a whole (a fix
//! may edit other files of it), and each case reads its own file from that run.
//! `every_fixture_file_is_a_listed_case` fails for a fixture missing from the list.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common;
use gomemfix::engine::Engine;
use gomemfix::finding::Confidence;
use gomemfix::rules;
use gomemfix::run::{self, Mode, RunOptions, RunReport};

/// One test per fixture: `RULE { NAME, ... }`, NAME being the file's path in the
/// rule folder without `.go`, `/` written `__`.
macro_rules! cases {
    ($($rule:ident { $($case:ident,)* })*) => {
        $(
            #[allow(non_snake_case)]
            mod $rule {
                $(
                    #[test]
                    fn $case() {
                        super::case(stringify!($rule), stringify!($case));
                    }
                )*
            }
        )*
        const LISTED: &[(&str, &str)] = &[$($((stringify!($rule), stringify!($case)),)*)*];
    };
}

cases! {
    GM001 {
        low_callback_copies,
        low_closure,
        low_declared_length,
        low_field_base,
        low_first_line,
        low_readfile_return,
        low_returned_onward,
        neg_already_copied,
        neg_base_in_same_literal,
        neg_base_kept,
        neg_base_stored_first,
        neg_bounded,
        neg_bounded_length,
        neg_covers_most,
        neg_cut_by_helper_small,
        neg_every_record_kept,
        neg_grown_to_fit,
        neg_header_local,
        neg_literal_transient,
        neg_local_only,
        neg_not_short,
        neg_reslice,
        neg_short_lived,
        neg_small_base,
        neg_strings_arrays,
        neg_test_helper,
        neg_view_written_out,
        neg_width_unknown,
        pos_append_to_field,
        pos_base_kept_elsewhere,
        pos_base_passed_on,
        pos_capped_excerpt,
        pos_collected,
        pos_cut_by_helper,
        pos_datagram,
        pos_literal_field,
        pos_map_and_channel,
        pos_method_field,
        pos_nested_blocks,
        pos_one_caller_keeps,
        pos_read_loop_buffer,
        pos_returned_in_literal,
        pos_returned_then_stored,
        pos_returned_view,
        pos_scanned_header,
        pos_sized_by_input,
        pos_slot_buffer,
        pos_textbook,
    }
    GM002 {
        helpersplit__neg_callers,
        helpersplit__pos_put_helper,
        low_handed_off,
        low_read_from_pooled,
        neg_capacity_only_callee,
        neg_copy_not_stored,
        neg_copy_wrapped_unchanged,
        neg_custom_pool,
        neg_deferred_slice_header,
        neg_every_get_resets,
        neg_field_reset,
        neg_fields_truncated,
        neg_helper_in_sibling,
        neg_helper_resets,
        neg_helpers,
        neg_no_reset_type,
        neg_partial_batch,
        neg_raw_capacity,
        neg_read_buffer,
        neg_reinit_with_source,
        neg_reset_after_get,
        neg_reset_before_put,
        neg_store_back_empty,
        neg_untouched_early_put,
        neg_wrapper_get_resets,
        pos_appending_callee,
        pos_closure_slice,
        pos_embedded,
        pos_embedded_pool_type,
        pos_error_path,
        pos_failed_render_skips_reset,
        pos_fields_and_map,
        pos_grown_fields,
        pos_helper_fills,
        pos_helpers,
        pos_method_field,
        pos_put_if_small,
        pos_reset_args,
        pos_slice_ptr,
        pos_store_back,
        pos_textbook,
        pos_two_pools,
        resetsplit__neg_callers,
        resetsplit__neg_put_helper,
        split__pos_use,
    }
    GM003 {
        appmod__cmd__codec__neg_cgo_terminate_stops,
        appmod__cmd__plugin__pos_cgo_reinit,
        appmod__cmd__resolver__pos_cgo_dropped,
        appmod__internal__store__neg_wire_injected,
        appmod__server__neg_app_exported,
        appmod__server__neg_owner_shutdown,
        appmod__server__pos_reconnect,
        cmd__beacon__low_ctx_from_main,
        cmd__chime__neg_background_once,
        cmd__ledger__low_ctx_once_growing,
        cmd__pulse__neg_ctx_loop_exits,
        cmd__tool__neg_tool,
        ctrlrt__syncer__low_runnable_elsewhere,
        ctrlrt__syncer__neg_manager_runnable,
        flagged__low_flag_package,
        internal__cache__neg_generic_once,
        internal__cache__pos_generic_per_request,
        internal__devices__pos_checked_build_per_request,
        internal__follow__pos_constructed_elsewhere,
        internal__hub__low_memoised,
        internal__hub__pos_wrapped_per_call,
        internal__launcher__low_unread_receiver_run,
        internal__plugins__ping__low_startup_factory,
        internal__plugins__thermo__pos_registered_factory,
        internal__poller__pos_poller,
        internal__probe__pos_same_type_in_loop,
        internal__report__neg_template_chain,
        internal__sidecar__neg_other_type_run,
        internal__spool__neg_ignored_caller,
        internal__spool__pos_platform_caller,
        internal__termsize__pos_platform_shared,
        internal__termsize__pos_platform_twin,
        internal__watch__pos_watch,
        low_ctx_param,
        low_cycle_through_own_goroutines,
        low_debug_writer,
        low_documented_lifetime,
        low_documented_shard_workers,
        low_map_range,
        low_named_func_ctx,
        low_named_method,
        low_nil_guarded_singleton,
        low_once_func_per_call,
        low_once_per_key,
        low_per_pass_context,
        low_per_registration_heartbeat,
        low_receiver_field,
        low_report_only,
        low_returns_once_set,
        low_select_timer,
        low_shared_instance_close,
        low_started_flag,
        mixedmod__internal__throttle__neg_internal_once,
        mixedmod__low_uncalled_api,
        mixedmod__neg_once_from_main,
        neg_accessor_ticker,
        neg_action_assigned,
        neg_closed_jobs,
        neg_constant_disabled_start,
        neg_ctx_done,
        neg_delegated_loop,
        neg_derived_done,
        neg_error_only_return,
        neg_exits,
        neg_failure_only_condition,
        neg_field_named_alike,
        neg_flag_cleared_by_reconfigure,
        neg_flag_disabled,
        neg_go_field_method,
        neg_local_func_value,
        neg_no_sleep,
        neg_once,
        neg_once_func,
        neg_quit_channel,
        neg_range_clause_once,
        neg_suppressed,
        neg_ticker_exit,
        neg_type_read_by_mock,
        neg_worker,
        pos_accept_loop_comment,
        pos_accessor_ticker,
        pos_accessor_ticker_stop,
        pos_background_done,
        pos_cancel_closes_field,
        pos_closed_pool,
        pos_closed_with_ctx,
        pos_delegated_loop,
        pos_error_only_return,
        pos_every_caller_has_ctx,
        pos_failure_only_condition,
        pos_flag_enabled,
        pos_handler_leaves_poller,
        pos_local_func_value,
        pos_mixed_callers,
        pos_nested_goroutine,
        pos_nested_goroutine_outer_ends,
        pos_never_closed_jobs,
        pos_new_ticker_range,
        pos_nil_guard_reset,
        pos_once_guard_cleared,
        pos_owner_close,
        pos_owner_no_close,
        pos_owner_reload,
        pos_owner_reuse,
        pos_owner_stop_no_sync,
        pos_owner_stop_via_helper,
        pos_ready_closed_at_start,
        pos_retry_loop,
        pos_textbook,
        pos_ticker_range,
        relay__neg_split_stops,
        relay__pos_split_start,
        xnetctx__agent__low_xnet_ctx_param,
        xnetctx__agent__neg_xnet_ctx_done,
    }
    GM004 {
        low_absorb_other_field,
        low_block_cache,
        low_capped_large,
        low_closure,
        low_comments,
        low_copied_set,
        low_counter_reload,
        low_device_loop,
        low_filled_between_passes,
        low_filled_then_cleared,
        low_fixed_key_in_loop,
        low_generic_alias,
        low_helper_not_teardown,
        low_key_passed_on,
        low_lazy_cache,
        low_lazy_make_before_clear,
        low_method_field,
        low_nested_blocks,
        low_recycled_type,
        low_refill_each_cycle,
        low_reset_not_pooled,
        low_reset_per_cycle,
        low_reset_sibling_method,
        low_shards,
        low_small_collection,
        low_teardown,
        low_teardown_helper,
        low_test_only_reset,
        low_two_in_file,
        neg_already_fixed,
        neg_callers_map,
        neg_capped_cache,
        neg_counted_mismatch,
        neg_counter_gaps,
        neg_in_test_test,
        neg_local_dies,
        neg_other_map,
        neg_pool_recycled,
        neg_reuse_idiom,
        neg_scratch_reuse,
        neg_small_maps,
        neg_some_keys,
        neg_test_support_mock,
        neg_work_per_entry,
        pos_default_instance,
        pos_event_loop,
        pos_lazy_package_cache,
        pos_package_owner,
        pos_range_int,
        pos_renamed_receiver,
        pos_request_key_local,
        pos_request_keys,
        pos_sequence_acks,
        pos_textbook,
        pos_ticker_spool,
    }
    GM005 {
        internal__testing__reclaim__low_settle,
        internal__testsupport__low_bench_runner,
        internal__testsupport__neg_cleanup_driver,
        low_every_batch_guard,
        low_every_nth_row,
        low_gc_switch,
        low_labeled_stats,
        low_method_closure,
        low_named_pacing,
        low_refresh_ticker,
        low_release_steps,
        low_sleep_goroutine,
        low_timed_rounds,
        neg_finalizer_wait,
        neg_helper_test,
        neg_not_in_loop,
        neg_other_gc,
        neg_paced_by_memory,
        neg_signal_field_aliased,
        neg_signal_handler,
        neg_suppressed,
        neg_testing_param,
        pos_aliased_range,
        pos_comment_before_call,
        pos_gc_in_timed_stretch,
        pos_nonempty_guard,
        pos_per_record,
        pos_short_pause,
        pos_signal_polled,
        pos_textbook,
    }
    GM006 {
        afterspawn__cmd__limiter__pos_main,
        afterspawn__cmd__scanner__neg_main,
        afterspawn__cmd__sweeper__neg_main,
        agentpair__cmd__tapagent__pos_main,
        agentpair__cmd__yardkeeper__pos_main,
        assignedaction__cmd__quarry__pos_main,
        assignedaction__cmd__tallyman__neg_main,
        automem__cmd__feed__neg_main,
        baked__services__search__pos_main,
        basedimage__cmd__vaultkeeper__neg_main,
        berths__cmd__berthsync__pos_main,
        berths__cmd__harbormaster__neg_main,
        berths__cmd__tallyd__pos_main,
        billing__pos_main,
        boutique__src__storefront__pos_main,
        builderlist__cmd__gateway__pos_main,
        builderlist__cmd__scanner__neg_main,
        bundlegen__cmd__dockmaster__pos_main,
        callchain__cmd__switchyard__pos_main,
        callchain__cmd__yardctl__neg_main,
        callchain__cmd__yardtool__neg_main,
        catalog__pos_main,
        chartimage__cmd__keyfill__neg_main,
        chartimage__cmd__lockbox__pos_main,
        chartnamesake__cmd__chatbeacond__pos_main,
        chartnamesake__cmd__cli__low_main,
        chartrun__cmd__ferrymanctl__neg_main,
        chartrun__cmd__ferrymand__pos_main,
        ciimage__cmd__probe__neg_main,
        ciimage__pos_main,
        cinew__cmd__wren__pos_main,
        ciold__cmd__lark__low_main,
        composecmd__cmd__blobctl__neg_main,
        composecmd__cmd__blobfs__pos_main,
        convoy__cmd__dispatcher__pos_main,
        crossgo__server__pos_main,
        crossgo__tools__neg_main,
        csichart__cmd__volplug__pos_main,
        ctrbuild__src__notary__pos_main,
        ctrbuild__src__notarycli__neg_main,
        daemoncli__cmd__probectl__neg_main,
        debugimg__low_main,
        debugstage__cmd__driftd__pos_main,
        deepkustom__cmd__tallyd__pos_main,
        depframework__cmd__modhub__low_main,
        devimage__neg_main,
        docgen__low_main,
        dockerdirs__cmd__api__pos_main,
        dockerdirs__cmd__relay__pos_main,
        dockerdirs__cmd__seed__neg_main,
        entryscript__cmd__relayctl__neg_main,
        entryscript__cmd__relayd__pos_main,
        envexample__cmd__atlasd__pos_main,
        excluded__filters__neg_main,
        excluded__gendocs__neg_main,
        excluded__neg_generate,
        excluded__winsvc__neg_main,
        flaglimit__cmd__indexer__neg_main,
        fleetpattern__agent__cmd__agentd__pos_main,
        fleetpattern__tools__cmd__fleetctl__neg_main,
        framework__cmd__gateway__pos_main,
        gctuned__cmd__ledgerd__low_main,
        generatedmap__cmd__pipeexport__neg_main,
        generatedmap__cmd__pipeingest__pos_main,
        globbuild__cmd__tallyd__pos_main,
        globcopy__cmd__framerelay__pos_main,
        globcopy__neg_main,
        gpurunner__cmd__runner__low_main,
        hackchart__cmd__pelicand__pos_main,
        handedrun__cmd__keepctl__neg_main,
        handedrun__cmd__keepd__pos_main,
        healthpair__cmd__operator__pos_main,
        healthpair__cmd__probe__neg_main,
        helmscope__cmd__querier__pos_main,
        helmvalues__cmd__shipper__neg_main,
        helpcli__cmd__rulecheck__low_main,
        helpcli__cmd__rulewatch__pos_main,
        helperimage__cmd__lodestar__pos_main,
        helpport__cmd__certctl__neg_main,
        helpport__cmd__pkitool__low_main,
        includedenv__cmd__plannerd__pos_main,
        includedjob__cmd__schedd__pos_main,
        installexamples__cmd__ferryctl__neg_main,
        installexamples__cmd__ferryd__pos_main,
        inventory__pos_main,
        jobimage__cmd__cellarsnap__neg_main,
        keptpod__cmd__ledgerprobe__neg_main,
        keptpod__cmd__ledgerwatch__pos_main,
        kitlimit__cmd__parcelhub__low_main,
        kobuild__cmd__admit__pos_main,
        kobuild__cmd__admitctl__neg_main,
        kochart__cmd__sentinel__pos_main,
        kochart__cmd__sentinelctl__neg_main,
        kodock__cmd__crane__pos_main,
        kodock__cmd__dockctl__pos_main,
        kodock__cmd__pilot__neg_main,
        kodock__cmd__tidewatch__pos_main,
        koref__cmd__manager__neg_main,
        koref__cmd__reconciler__pos_main,
        koref__cmd__reshape__neg_main,
        kubeop__cmd__auditor__neg_main,
        kubeop__cmd__manager__pos_main,
        kubeop__cmd__webhooks__low_main,
        kustomlayout__cmd__fleet__neg_main,
        kustomlayout__cmd__fleetsweep__pos_main,
        kustomtop__cmd__echod__pos_main,
        labelsblock__cmd__hookrelay__pos_main,
        lanternchart__cmd__lanternd__pos_main,
        ledger__neg_main,
        linkedentry__cmd__gatekeep__neg_main,
        linkedentry__cmd__omnibus__pos_main,
        lookalike__cmd__tollgate__pos_main,
        loopbackdebug__neg_main,
        looprun__cmd__beacond__pos_main,
        looprun__cmd__beaconseed__neg_main,
        makecond__cmd__pos_main,
        makeimage__cmd__api__pos_main,
        makeimage__cmd__worker__neg_main,
        makepattern__apps__invoices__pos_main,
        makepattern__apps__reports__neg_main,
        migrate__neg_main,
        modulecase__neg_main,
        mountname__cmd__indexer__neg_main,
        multicall__cmd__omnibox__pos_main,
        multicall__cmd__tidewatch__neg_main,
        namedchart__cmd__pos_main,
        namedpair__cmd__edgeagent__neg_main,
        namedpair__cmd__edgerelay__pos_main,
        nametable__cmd__orbitctl__neg_main,
        nametable__cmd__orbitrelay__pos_main,
        nestedtool__neg_main,
        nestedtool__tools__seeder__pos_main,
        notifier__pos_main,
        ocibuild__cmd__pos_main,
        oldgo__cmd__pigeond__low_main,
        onlypatch__cmd__pos_main,
        operatorrpc__cmd__store__pos_main,
        opsuite__tuner__pos_main,
        opsuite__warden__pos_main,
        optchart__cmd__courierctl__low_main,
        optchart__cmd__courierd__pos_main,
        optin__cmd__pickerd__pos_main,
        optin__cmd__sorterd__neg_main,
        optmetrics__neg_main,
        orders__pos_main,
        otherimage__cmd__courier__pos_main,
        otherimage__cmd__migrate__neg_main,
        packagedchart__cmd__mountally__pos_main,
        pairimage__cmd__bridge__neg_main,
        pairimage__cmd__portal__pos_main,
        payments__neg_main,
        placeholder__cmd__gatherer__pos_main,
        podnet__cmd__podnet__neg_main,
        podnet__cmd__podnetd__pos_main,
        promubuild__cmd__beaconagent__neg_main,
        promubuild__cmd__beaconhub__pos_main,
        quayhub__cmd__berthd__pos_main,
        quayhub__cmd__lockkeeper__neg_main,
        quayhub__cmd__quayop__neg_main,
        quotedflags__boardsrv__pos_main,
        quotedflags__seed__neg_main,
        readlimit__cmd__cache__pos_main,
        relbins__cmd__edgectl__neg_main,
        relbins__cmd__edgeproxy__pos_main,
        releasecopies__cmd__quarryd__pos_main,
        releaser__cmd__ctl__neg_main,
        releaser__cmd__server__pos_main,
        rendered__cmd__syncd__pos_main,
        repeatedkey__cmd__nodeprobe__pos_main,
        replayfix__cmd__replayer__low_main,
        restarted__cmd__vaultkeep__pos_main,
        restarted__cmd__vaultsync__neg_main,
        rootaction__cmd__mediactl__neg_main,
        rootaction__cmd__mediahub__pos_main,
        rootcmd__cmd__syncctl__neg_main,
        rootcmd__cmd__syncer__pos_main,
        rootedcopy__cmd__tallyctl__neg_main,
        rootedcopy__cmd__tallyd__pos_main,
        rootmain__pos_main,
        rootmain__tools__seed__neg_main,
        s6limit__neg_main,
        scriptbuild__ctl__neg_main,
        scriptbuild__server__pos_main,
        selfcheck__cmd__pipectl__low_main,
        selfcheck__cmd__piped__pos_main,
        shellvars__cmd__pos_main,
        shellvars__ctl__neg_main,
        shortener__pos_main,
        siftchart__cmd__siftd__pos_main,
        skiffchart__cmd__skiff__neg_main,
        sleeppod__cmd__toolbox__low_main,
        splitpair__dashboard__backend__pos_main,
        stalescaffold__cmd__pos_main,
        stamped__cmd__ledgerctl__low_main,
        stamped__cmd__ledgerd__pos_main,
        stamped__cmd__ledgerfsck__low_main,
        standins__internal__fakeoidc__low_main,
        standins__tools__test_server__low_main,
        startchain__cmd__chatd__pos_main,
        startchain__cmd__mkcert__neg_main,
        startchain__cmd__mkconfig__neg_main,
        startchain__cmd__seeddb__neg_main,
        stewards__cmd__quotad__pos_main,
        stewards__cmd__steward__pos_main,
        stophelper__cmd__reindex__neg_main,
        stophelper__cmd__rolloutd__pos_main,
        subcommand__cmd__hub__pos_main,
        subcommand__cmd__server__neg_main,
        tagvariant__neg_main_nextgen,
        tagvariant__pos_main,
        testapps__docs__tutorial__visitors__low_main,
        testapps__hack__blobseed__low_main,
        testapps__tests__apps__echo__low_main,
        testchart__cmd__beaconer__pos_main,
        testchart__cmd__sentryd__neg_main,
        tickerimg__cmd__quoted__pos_main,
        tickerimg__cmd__reprice__neg_main,
        tlsswitch__pos_main,
        toolbox__cmd__gateway__pos_main,
        toolbox__cmd__reindex__neg_main,
        toolbox__neg_main,
        travisold__cmd__heron__low_main,
        twoimage__cmd__hubd__neg_main,
        valuescmd__pos_main,
        varcommand__cmd__quotactl__neg_main,
        varcommand__cmd__quotad__pos_main,
        waitstop__cmd__bridged__low_main,
        waitstop__cmd__brokerd__low_main,
        waitstop__cmd__scanner__neg_main,
        workdir__services__ledgerd__neg_main,
        workdir__services__quoted__pos_main,
    }
    GM007 {
        low_comment_only,
        low_drain_on_close,
        low_method_key_check,
        low_put_populated,
        low_recorder_test,
        neg_acquire_idioms,
        neg_defensive_nil_check,
        neg_ephemeral,
        neg_field_pool_from_call,
        neg_filled_outside_module,
        neg_generic_recycler,
        neg_generic_value_pool,
        neg_header_copy,
        neg_keyed_getter_helper,
        neg_lazy_init,
        neg_len_after_put,
        neg_method_initialises,
        neg_method_loads_key,
        neg_new_elsewhere,
        neg_new_elsewhere_init,
        neg_new_may_fail,
        neg_nil_checked,
        neg_per_encoding,
        neg_pool_from_helper,
        neg_put_address_of_copy,
        neg_reject_stale_match,
        neg_reset_before_copy,
        neg_reuse_if_big_enough,
        neg_shadowed_in_loop,
        neg_size_class,
        neg_validated_cache,
        pos_bytes_after_put,
        pos_checked_key_total,
        pos_cursor_between_calls,
        pos_deferred_put_back,
        pos_drain_collects,
        pos_field_pool,
        pos_generic_latest,
        pos_hot_codec,
        pos_keyed,
        pos_keyed_cache,
        pos_match_reuses_old,
        pos_nil_checked_state,
        pos_no_new,
        pos_partial_batch,
        pos_put_address_of_param,
        pos_resume_from_copy,
        pos_state_read,
        pos_textbook,
        pos_token_lookup,
        pos_use_after_put,
        session__pos_load,
        session__pos_save,
    }
    GM008 {
        cmd__sampler__neg_coarse,
        cmd__sampler__pos_main,
        low_bound_flag,
        low_debug_switch,
        low_env_switch,
        low_profile_flag,
        neg_defaults,
        neg_in_test_test,
        neg_other_field,
        neg_profiling_session,
        neg_signal_session,
        pos_alias_const,
        pos_coarse_init,
        pos_init,
        pos_platform,
        pos_rate_from_other_file,
        pos_two_in_file,
    }
    GM009 {
        low_document_nesting,
        low_method_tree,
        low_range_children,
        low_read_children,
        low_sliced_scratch,
        low_struct_frame,
        low_type_nesting,
        neg_array_length_guard,
        neg_callee_keeps,
        neg_constant_depth,
        neg_depth_guard,
        neg_escaping,
        neg_goroutine_call,
        neg_interface_write,
        neg_method_other_type,
        neg_not_recursive,
        neg_sliced_escaping,
        neg_small_frame,
        neg_switch_cases,
        pos_callee_keeps_nothing,
        pos_closure,
        pos_closure_var,
        pos_const_len,
        pos_data_base_case,
        pos_guard_too_big,
        pos_index_walk,
        pos_last_call,
        pos_method_child,
        pos_packed_args,
        pos_state_machine,
        pos_textbook,
    }
    GM010 {
        low_clear_on_message,
        low_comment_only,
        low_deferred_while_returned,
        low_named_measure,
        low_pacing_swap,
        low_purge_by_name,
        low_rebuild_after_release,
        low_rebuild_in_caller,
        low_switch_no_drop,
        neg_already_free,
        neg_debug_endpoint,
        neg_dot_import,
        neg_drop_then_rebuild,
        neg_gc_check_program,
        neg_helper_builds_after_drop,
        neg_measurement,
        neg_metrics,
        neg_pacing_after_load,
        neg_rebuild_in_caller,
        neg_refill_after_nil,
        pos_admin_flush,
        pos_block_imports,
        pos_crlf,
        pos_debug_taken,
        pos_defer_switch,
        pos_drop_in_helper,
        pos_helper_caller_idles,
        pos_opt_in_release,
        pos_signal_param_purge,
        pos_signal_shrink,
        pos_spent_batch,
        pos_swap_closed,
        pos_textbook,
        pos_timer_closure,
    }
}

/// A rule folder checked, and fixed with `--unsafe-fixes` without writing.
struct RuleRun {
    dir: PathBuf,
    checked: RunReport,
    fixed: RunReport,
}

fn run_on(engine: &Engine, dir: &Path, mode: Mode) -> RunReport {
    let opts = RunOptions {
        mode,
        unsafe_fixes: true,
        max_file_size: gomemfix::source::DEFAULT_MAX_FILE_SIZE,
        base: dir.to_path_buf(),
        ..RunOptions::default()
    };
    run::run(engine, &[dir.to_path_buf()], &opts)
}

/// Each rule folder's run, made once by the first of its cases to ask.
fn rule_run(rule: &str) -> &'static RuleRun {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    static RUNS: OnceLock<BTreeMap<String, OnceLock<RuleRun>>> = OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        common::rule_dirs()
            .iter()
            .map(|d| {
                (
                    d.file_name().unwrap().to_string_lossy().into_owned(),
                    OnceLock::new(),
                )
            })
            .collect()
    });
    let slot = runs
        .get(rule)
        .unwrap_or_else(|| panic!("no folder tests/fixtures/{rule}"));
    slot.get_or_init(|| {
        // Every finding, whatever its confidence: the cases say which level each
        // must reach.
        let engine = ENGINE.get_or_init(|| {
            let mut e = Engine::new(rules::bundled());
            e.min_confidence = Confidence::Low;
            e
        });
        let dir = common::fixtures_dir().join(rule);
        RuleRun {
            checked: run_on(engine, &dir, Mode::Check),
            fixed: run_on(engine, &dir, Mode::Fix { write: false }),
            dir,
        }
    })
}

fn case(rule: &str, name: &str) {
    let rel = PathBuf::from(format!("{}.go", name.replace("__", "/")));
    let shown = format!("{rule}/{}", rel.display());
    let stem = rel.file_stem().unwrap().to_str().unwrap();
    let run = rule_run(rule);
    assert!(
        run.dir.join(&rel).is_file(),
        "{shown}: listed in tests/it/rules.rs but not a file"
    );
    assert_eq!(
        run.checked.error_count(),
        0,
        "{rule}: errors {:?}",
        run.checked.errors
    );
    let findings: Vec<_> = run
        .checked
        .files
        .iter()
        .find(|f| f.path == rel)
        .map(|r| r.findings.iter().collect())
        .unwrap_or_default();
    let own = findings.iter().filter(|f| f.rule == rule).count();
    let own_high = findings
        .iter()
        .filter(|f| f.rule == rule && f.confidence == Confidence::High)
        .count();
    if stem.starts_with("neg_") {
        assert_eq!(own, 0, "{shown}: expected no {rule} finding, got {own}");
        return;
    }
    if stem.starts_with("low_") {
        assert!(
            own > 0 && own_high == 0,
            "{shown}: expected {rule} findings below high confidence only, got {own} ({own_high} high)"
        );
    } else {
        assert!(
            stem.starts_with("pos_"),
            "{shown}: a case is pos_*, low_* or neg_*"
        );
        assert!(
            own_high > 0,
            "{shown}: expected a high-confidence {rule} finding, got {own} at lower confidence"
        );
    }

    let mut snap = String::from("# findings\n");
    for f in &findings {
        snap.push_str(&format!(
            "{}:{}:{}: {} [{}] {}{}\n",
            rel.display(),
            f.start_pos.line,
            f.start_pos.column,
            f.rule,
            f.name,
            f.message,
            f.fix
                .as_ref()
                .map(|x| format!(" (fix: {:?})", x.applicability))
                .unwrap_or_default()
        ));
        snap.push_str(&format!("    confidence: {}\n", f.confidence));
        for e in &f.evidence {
            snap.push_str(&format!(
                "    evidence: {}:{}: {}\n",
                e.path.display(),
                e.line,
                e.what
            ));
        }
    }
    snap.push_str("\n# fix --unsafe-fixes\n");
    let diff_of = |path: &Path| {
        run.fixed
            .files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.diff.as_str())
            .unwrap_or("")
    };
    let diff = diff_of(&rel);
    snap.push_str(if diff.is_empty() {
        "(no change)\n"
    } else {
        diff
    });
    // A fix that edits other files (callers in other packages) shows them too.
    let base = std::fs::canonicalize(&run.dir).unwrap();
    let mut others: Vec<_> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|x| x.other_files.iter())
        .filter_map(|fe| {
            // Shown relative to the run's folder, as finding paths are.
            if fe.path.is_relative() {
                return Some(fe.path.clone());
            }
            let p = std::fs::canonicalize(&fe.path).ok()?;
            p.strip_prefix(&base).ok().map(Path::to_path_buf)
        })
        .collect();
    others.sort();
    others.dedup();
    for other in others {
        let diff = diff_of(&other);
        snap.push_str(if diff.is_empty() {
            "(other file unchanged)\n"
        } else {
            diff
        });
    }
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(format!("{rule}__{name}"), snap);
    });
}

/// A fixture file that no case names would be run by nothing.
#[test]
fn every_fixture_file_is_a_listed_case() {
    let mut missing = vec![];
    for dir in common::rule_dirs() {
        let rule = dir.file_name().unwrap().to_str().unwrap();
        for file in common::go_files(&dir) {
            let stem = file.file_stem().unwrap().to_str().unwrap();
            if !["pos_", "low_", "neg_"].iter().any(|p| stem.starts_with(p)) {
                continue; // a helper file the cases' packages need
            }
            let name = file
                .strip_prefix(&dir)
                .unwrap()
                .with_extension("")
                .to_str()
                .unwrap()
                .replace('/', "__");
            if !LISTED.contains(&(rule, name.as_str())) {
                missing.push(format!("{rule} {{ {name}, }}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fixtures not listed in `cases!` in tests/it/rules.rs:\n{}",
        missing.join("\n")
    );
}
