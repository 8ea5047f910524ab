package dev.lifeboat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.run.History;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

class JobMetricsTests {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final LifeboatMetrics metrics = new LifeboatMetrics(registry);
  private final JobMetrics jobs = new JobMetrics(metrics, Clock.systemUTC());

  @Test
  void anyJobThatPassesThroughLocalExecutionsIsCountedByJobTargetAndOutcome() {
    JobExecution prune = execution(1, "prune", "app");
    jobs.started(prune);
    assertThat(scrape()).contains("lifeboat_job_running{job=\"prune\",target=\"app\"} 1");
    prune.setStatus(BatchStatus.FAILED);
    jobs.finished(prune, History.describe(prune));

    String text = scrape();
    assertThat(text)
        .contains("lifeboat_job_running{job=\"prune\",target=\"app\"} 0")
        .contains("lifeboat_job_runs_total{job=\"prune\",outcome=\"failed\",target=\"app\"} 1")
        .contains("lifeboat_job_last_run_timestamp_seconds{job=\"prune\",outcome=\"failed\"")
        .contains(
            "lifeboat_job_duration_seconds_bucket{job=\"prune\",outcome=\"failed\",target=\"app\",le=\"3600.0\"} 1")
        .contains("le=\"86400.0\"");
  }

  @Test
  void aCompletedJobIsASuccessAndAFailureFollowedByASuccessLeavesBothTimestamps() {
    JobExecution a = execution(1, "migrate", "app");
    jobs.started(a);
    a.setStatus(BatchStatus.FAILED);
    jobs.finished(a, History.describe(a));
    JobExecution b = execution(2, "migrate", "app");
    jobs.started(b);
    b.setStatus(BatchStatus.COMPLETED);
    jobs.finished(b, History.describe(b));

    assertThat(scrape())
        .contains("lifeboat_job_runs_total{job=\"migrate\",outcome=\"success\",target=\"app\"} 1")
        .contains("lifeboat_job_runs_total{job=\"migrate\",outcome=\"failed\",target=\"app\"} 1")
        .contains("lifeboat_job_last_run_timestamp_seconds{job=\"migrate\",outcome=\"success\"");
  }

  @Test
  void everyLifeboatMetricInAScrapeIsInTheCatalogue() {
    metrics.backupFinished("app", "success", Duration.ofSeconds(3), Instant.now(), 10L);
    metrics.backupFinished("app", "failed", Duration.ofSeconds(3), Instant.now(), null);
    metrics.backupVerified("app", Instant.now());
    metrics.uploadFailed("offsite");
    metrics.drillPassed("app", Instant.now(), 4.5);
    metrics.storeProbed("local", true, 10L, 100L);
    metrics.schedule("backup", "app", Instant.now(), Duration.ofDays(1));
    metrics.notificationFailed("webhook");
    JobExecution e = execution(3, "backup", "app");
    jobs.started(e);
    e.setStatus(BatchStatus.COMPLETED);
    jobs.finished(e, History.describe(e));

    Matcher m = Pattern.compile("(?m)^(lifeboat_[a-z_]+)[{ ]").matcher(scrape());
    int seen = 0;
    while (m.find()) {
      assertThat(MetricCatalogue.owner(m.group(1))).as(m.group(1)).isNotNull();
      seen++;
    }
    assertThat(seen).isGreaterThan(20);
    assertThat(scrape())
        .contains(
            "lifeboat_backup_last_attempt_timestamp_seconds{outcome=\"failed\",target=\"app\"}")
        .contains("lifeboat_backup_size_bytes{target=\"app\"} 10")
        .contains("lifeboat_store_reachable{store=\"local\"} 1")
        .contains("lifeboat_schedule_interval_seconds{job=\"backup\",target=\"app\"} 86400")
        .contains("lifeboat_notifications_failed_total{channel=\"webhook\"} 1");
  }

  private String scrape() {
    return registry.scrape();
  }

  private static JobExecution execution(long id, String job, String target) {
    JobExecution e =
        new JobExecution(
            id,
            new JobInstance(id, job),
            new JobParametersBuilder().addString("target", target).toJobParameters());
    e.setStartTime(LocalDateTime.now().minusSeconds(2));
    e.setEndTime(LocalDateTime.now());
    return e;
  }
}
