package dev.lifeboat.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.lifeboat.base.Json;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.run.History;
import dev.lifeboat.testing.SilentServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import tools.jackson.databind.JsonNode;

/**
 * Notifications against a real HTTP server (the JDK's), including one that fails and one that
 * hangs.
 */
class NotifierTests {

  static final String TOKEN = "T0KEN-s3cret-path";

  private HttpServer server;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures = new AtomicInteger();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          received.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + body);
          int status = ex.getRequestURI().getPath().startsWith("/broken") ? 500 : 200;
          if (status == 500) {
            failures.incrementAndGet();
          }
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    server.start();
    logs.start();
    ((Logger) LoggerFactory.getLogger("lifeboat.notify")).addAppender(logs);
  }

  @AfterEach
  void stop() {
    server.stop(0);
    ((Logger) LoggerFactory.getLogger("lifeboat.notify")).detachAppender(logs);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private Notifier notifier(
      List<LifeboatProperties.Webhook> hooks, String heartbeat, String failure, Duration timeout) {
    return new Notifier(
        new LifeboatProperties.Notify(hooks, heartbeat, failure, timeout, 3),
        new LifeboatMetrics(registry),
        Clock.systemUTC());
  }

  private static LifeboatProperties.Webhook hook(String url, String format, String... events) {
    return new LifeboatProperties.Webhook(url, List.of(events), format);
  }

  @Test
  void aFailedBackupPostsItsEventAsJsonToTheWebhooksThatSubscribedToIt() throws Exception {
    Notifier n =
        notifier(
            List.of(
                hook(url("/hooks/" + TOKEN), "json", "backup-failed", "drill-failed"),
                hook(url("/other"), "json", "drill-passed")),
            null,
            null,
            Duration.ofSeconds(5));
    JobExecution e = execution("backup", BatchStatus.FAILED, "20261126T010000Z");
    n.finished(e, History.describe(e));
    assertThat(n.flush(Duration.ofSeconds(30))).isTrue();

    assertThat(received).hasSize(1);
    String request = received.get(0);
    assertThat(request).startsWith("POST /hooks/" + TOKEN + " ");
    JsonNode body = Json.mapper().readTree(request.substring(request.indexOf(' ', 5) + 1));
    assertThat(body.get("event").asString()).isEqualTo("backup-failed");
    assertThat(body.get("target").asString()).isEqualTo("app");
    assertThat(body.get("job").asString()).isEqualTo("backup");
    assertThat(body.get("outcome").asString()).isEqualTo("failed");
    assertThat(body.get("backup").asString()).isEqualTo("20261126T010000Z");
    assertThat(body.get("seconds").asDouble()).isGreaterThan(0);
    assertThat(body.get("text").asString())
        .startsWith("Lifeboat: backup of target 'app' failed after")
        .doesNotContain("http");
  }

  @Test
  void slackFormatSendsOnlyAText() throws Exception {
    Notifier n =
        notifier(
            List.of(hook(url("/slack"), "slack", "drill-passed")),
            null,
            null,
            Duration.ofSeconds(5));
    JobExecution e = execution("drill", BatchStatus.COMPLETED, null);
    n.finished(e, History.describe(e));
    assertThat(n.flush(Duration.ofSeconds(30))).isTrue();
    assertThat(received).hasSize(1);
    String body = received.get(0).substring("POST /slack ".length());
    JsonNode json = Json.mapper().readTree(body);
    assertThat(json.propertyNames()).containsExactly("text");
    assertThat(json.get("text").asString()).startsWith("Lifeboat: drill of target 'app' success");
  }

  @Test
  void theHeartbeatIsPingedAfterASuccessfulBackupAndItsFailUrlAfterAFailedOne() throws Exception {
    Notifier n = notifier(List.of(), url("/ping/" + TOKEN), null, Duration.ofSeconds(5));
    JobExecution ok = execution("backup", BatchStatus.COMPLETED, "a");
    n.finished(ok, History.describe(ok));
    JobExecution failed = execution("backup", BatchStatus.FAILED, "b");
    n.finished(failed, History.describe(failed));
    JobExecution drill = execution("drill", BatchStatus.COMPLETED, null);
    n.finished(drill, History.describe(drill));
    assertThat(n.flush(Duration.ofSeconds(30))).isTrue();
    assertThat(received.stream().map(r -> r.substring(0, r.indexOf(' ', 5))).toList())
        .containsExactly("GET /ping/" + TOKEN, "POST /ping/" + TOKEN + "/fail");
  }

  @Test
  void aConfiguredFailureUrlIsUsedInsteadOfTheFailSuffix() throws Exception {
    Notifier n = notifier(List.of(), url("/ping/ok"), url("/ping/bad?x=1"), Duration.ofSeconds(5));
    JobExecution failed = execution("backup", BatchStatus.FAILED, "b");
    n.finished(failed, History.describe(failed));
    assertThat(n.flush(Duration.ofSeconds(30))).isTrue();
    assertThat(received).hasSize(1);
    assertThat(received.get(0)).startsWith("POST /ping/bad?x=1 ");
    assertThat(Notifier.failUrl("https://hc-ping.com/abc?k=v"))
        .isEqualTo("https://hc-ping.com/abc/fail?k=v");
  }

  @Test
  void aReceiverAnswering500IsRetriedABoundedNumberOfTimesCountedAndLoggedWithoutItsSecret()
      throws Exception {
    Notifier n =
        notifier(
            List.of(hook(url("/broken/" + TOKEN), "json", "prune-failed")),
            null,
            null,
            Duration.ofSeconds(5));
    JobExecution e = execution("prune", BatchStatus.FAILED, null);
    n.finished(e, History.describe(e));
    assertThat(n.flush(Duration.ofSeconds(60))).isTrue();

    assertThat(failures.get()).isEqualTo(3);
    assertThat(registry.scrape())
        .contains("lifeboat_notifications_failed_total{channel=\"json\"} 1");
    String log =
        logs.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .collect(Collectors.joining("\n"));
    assertThat(log)
        .contains("could not deliver a json notification to http://127.0.0.1:")
        .contains("HTTP 500 (after 3 attempt(s))")
        .doesNotContain(TOKEN);
  }

  @Test
  void aReceiverThatNeverAnswersTimesOutNeverHoldsTheJobAndIsCounted() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      String hang = silent.endpoint() + "/hooks/" + TOKEN;
      Notifier n =
          notifier(
              List.of(hook(hang, "slack", "migration-failed")), hang, null, Duration.ofMillis(500));
      JobExecution e = execution("migrate", BatchStatus.FAILED, null);
      long start = System.nanoTime();
      n.finished(e, History.describe(e));
      // the job's thread is not held: delivery runs beside it
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      assertThat(n.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(silent.accepted()).isGreaterThanOrEqualTo(1);
    }
    assertThat(registry.scrape())
        .contains("lifeboat_notifications_failed_total{channel=\"slack\"} 1");
    String log =
        logs.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .collect(Collectors.joining("\n"));
    assertThat(log).contains("could not deliver a slack notification").doesNotContain(TOKEN);
  }

  @Test
  void eventsAreNamedByJobAndOutcome() {
    assertThat(Event.of("backup", "failed")).isEqualTo("backup-failed");
    assertThat(Event.of("backup", "partial")).isEqualTo("backup-partial");
    assertThat(Event.of("drill", "success")).isEqualTo("drill-passed");
    assertThat(Event.of("prune", "failed")).isEqualTo("prune-failed");
    assertThat(Event.of("migrate", "failed")).isEqualTo("migration-failed");
    assertThat(Event.of("data-migrate", "failed")).isEqualTo("data-migration-failed");
    assertThat(Event.of("restore", "stopped")).isEqualTo("restore-stopped");
    assertThat(Event.NAME.matcher("restore-failed").matches()).isTrue();
  }

  @Test
  void anUnknownEventOrFormatIsAConfigurationErrorNamingItsKey() {
    assertThatThrownBy(
            () ->
                notifier(
                    List.of(hook(url("/x"), "json", "backup-exploded")),
                    null,
                    null,
                    Duration.ofSeconds(1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lifeboat.notify.webhooks[0].events")
        .hasMessageContaining("backup-exploded");
    assertThatThrownBy(
            () ->
                notifier(
                    List.of(hook(url("/x"), "teams", "backup-failed")),
                    null,
                    null,
                    Duration.ofSeconds(1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lifeboat.notify.webhooks[0].format");
  }

  private static JobExecution execution(String job, BatchStatus status, String id) {
    JobParametersBuilder p = new JobParametersBuilder().addString("target", "app");
    if (id != null) {
      p.addString("id", id);
    }
    JobExecution e = new JobExecution(1, new JobInstance(1, job), p.toJobParameters());
    e.setStartTime(LocalDateTime.now().minusSeconds(3));
    e.setEndTime(LocalDateTime.now());
    e.setStatus(status);
    return e;
  }
}
