package dev.lifeboat.metrics;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every metric Lifeboat exports, by its Prometheus name: the one list the alert rules, the Grafana
 * dashboard and the docs are checked against. Some are registered by other packages (retention,
 * migrations) under exactly these names.
 */
final class MetricCatalogue {

  /**
   * One exported metric: its Prometheus name (histograms without _bucket/_sum/_count), type and
   * labels.
   */
  public record Metric(String name, String type, List<String> labels, String help) {}

  public static final List<Metric> ALL =
      List.of(
          m(
              "lifeboat_backup_last_success_timestamp_seconds",
              "gauge",
              "completion time of the newest complete backup (read back from the stores when serve starts)",
              "target"),
          m(
              "lifeboat_backup_last_attempt_timestamp_seconds",
              "gauge",
              "when the last backup attempt of this node ended, by outcome",
              "target",
              "outcome"),
          m(
              "lifeboat_backup_duration_seconds",
              "histogram",
              "how long backups take",
              "target",
              "outcome"),
          m("lifeboat_backup_size_bytes", "gauge", "size of the newest backup", "target"),
          m(
              "lifeboat_backup_verified_last_success_timestamp_seconds",
              "gauge",
              "completion time of the newest backup a drill or verify proved good",
              "target"),
          m(
              "lifeboat_job_runs_total",
              "counter",
              "every job run, by outcome (success, partial, failed, skipped, stopped)",
              "job",
              "target",
              "outcome"),
          m(
              "lifeboat_job_running",
              "gauge",
              "1 while a job of this target runs in this process",
              "job",
              "target"),
          m(
              "lifeboat_job_last_run_timestamp_seconds",
              "gauge",
              "when the last run of a job ended, by outcome",
              "job",
              "target",
              "outcome"),
          m(
              "lifeboat_job_duration_seconds",
              "histogram",
              "how long job runs take",
              "job",
              "target",
              "outcome"),
          m("lifeboat_store_upload_failures_total", "counter", "failed uploads", "store"),
          m("lifeboat_store_free_bytes", "gauge", "free space of a filesystem store", "store"),
          m(
              "lifeboat_store_size_bytes",
              "gauge",
              "total space of a filesystem store's file system",
              "store"),
          m(
              "lifeboat_store_reachable",
              "gauge",
              "1 when the store answered the last probe of serve, else 0",
              "store"),
          m(
              "lifeboat_drill_last_success_timestamp_seconds",
              "gauge",
              "when the last passed drill ended",
              "target"),
          m(
              "lifeboat_drill_restore_seconds",
              "gauge",
              "restore time of the last passed drill",
              "target"),
          m(
              "lifeboat_schedule_next_fire_timestamp_seconds",
              "gauge",
              "when the scheduler fires a job next",
              "job",
              "target"),
          m(
              "lifeboat_schedule_disagreements",
              "gauge",
              "schedules the running serve nodes' configurations disagree on (present on some,"
                  + " missing or different on others)"),
          m(
              "lifeboat_schedule_interval_seconds",
              "gauge",
              "time between the next two firings of a schedule",
              "job",
              "target"),
          m(
              "lifeboat_notifications_failed_total",
              "counter",
              "notifications that could not be delivered",
              "channel"),
          m("lifeboat_retention_deleted_total", "counter", "backups pruned", "store"),
          m("lifeboat_retention_kept", "gauge", "backups kept by the last prune", "store"),
          m(
              "lifeboat_history_runs_removed_total",
              "counter",
              "job runs serve removed from the job repository (lifeboat.history.keep)"),
          m("lifeboat_migrations_pending", "gauge", "pending versioned migrations", "target"),
          m(
              "lifeboat_data_migration_progress_ratio",
              "gauge",
              "progress of a data migration, 0..1",
              "name"),
          m(
              "lifeboat_wal_slot_retained_bytes",
              "gauge",
              "WAL the server keeps for the target's replication slot (pg_current_wal_lsn() -"
                  + " restart_lsn), read by every serve node; absent when there is no slot",
              "target"),
          m(
              "lifeboat_wal_slot_safe_bytes",
              "gauge",
              "WAL that may still be written before the slot is lost (safe_wal_size); absent when"
                  + " max_slot_wal_keep_size is unlimited",
              "target"),
          m(
              "lifeboat_wal_slot_status",
              "gauge",
              "1 for the slot's wal_status (reserved, extended, unreserved, lost, none) or missing,"
                  + " 0 for the others",
              "target",
              "status"),
          m(
              "lifeboat_wal_receiver_state",
              "gauge",
              "1 for this node's WAL receiver state of the target (standby, starting, streaming,"
                  + " backoff, spool-full, refused, chain-broken, stopping, stopped), 0 for the"
                  + " others; every serve node reports it",
              "target",
              "state"),
          m(
              "lifeboat_wal_last_segment_timestamp_seconds",
              "gauge",
              "when the store last committed a completed WAL segment of the target (this node's"
                  + " clock); from the node that streams the target, after its first commit",
              "target",
              "store"),
          m(
              "lifeboat_wal_last_partial_timestamp_seconds",
              "gauge",
              "when the store last committed a partial WAL segment of the target; from the node"
                  + " that streams the target, after its first commit",
              "target",
              "store"),
          m(
              "lifeboat_wal_archive_lag_seconds",
              "gauge",
              "seconds since the server wrote the oldest WAL that no store holds yet (within one"
                  + " 2 s heartbeat, counted from when this node first saw it), 0 when some store"
                  + " holds all the server has written; from the node that streams the target,"
                  + " and it keeps growing while that node backs off",
              "target"),
          m(
              "lifeboat_wal_spool_bytes",
              "gauge",
              "bytes in the local WAL spool (stream/ and sealed/) of the node that streams the"
                  + " target",
              "target"),
          m(
              "lifeboat_wal_spool_max_bytes",
              "gauge",
              "the spool's bound (wal.spool-max); at it, streaming pauses (spool-full)",
              "target"),
          m(
              "lifeboat_wal_store_backlog_segments",
              "gauge",
              "completed WAL segments of the target in the spool that the store does not hold yet",
              "target",
              "store"));

  private MetricCatalogue() {}

  /** The Prometheus names of every metric in {@link #ALL}. */
  public static Set<String> names() {
    return ALL.stream().map(Metric::name).collect(Collectors.toUnmodifiableSet());
  }

  /**
   * The catalogued metric a series name belongs to ({@code lifeboat_backup_duration_seconds_bucket}
   * belongs to {@code lifeboat_backup_duration_seconds}); null when none.
   */
  public static String owner(String series) {
    Set<String> names = names();
    if (names.contains(series)) {
      return series;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_max", "_created")) {
      if (series.endsWith(suffix)) {
        String base = series.substring(0, series.length() - suffix.length());
        if (names.contains(base)) {
          return base;
        }
      }
    }
    return null;
  }

  private static Metric m(String name, String type, String help, String... labels) {
    return new Metric(name, type, List.of(labels), help);
  }
}
