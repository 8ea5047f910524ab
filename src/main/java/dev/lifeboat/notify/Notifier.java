package dev.lifeboat.notify;

import dev.lifeboat.base.Json;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.run.History;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.RunObserver;
import dev.lifeboat.run.VerbName;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.DisposableBean;

/**
 * Tells people without a monitoring stack: each ended job becomes an event ({@link Event}) posted
 * to the webhooks that subscribed to it, and a backup pings the heartbeat URL (its failure URL when
 * it failed). Delivery runs beside the job with a timeout and bounded retries; a delivery that
 * fails is logged (without its URL's path or query, which hold the secret) and counted in {@code
 * lifeboat_notifications_failed_total{channel}}, and never fails the job. The application waits for
 * pending deliveries when it closes, so a one-shot command's notification is sent too.
 */
public final class Notifier implements RunObserver, DisposableBean {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.notify");

  private final LifeboatProperties.Notify notify;
  private final LifeboatMetrics metrics;
  private final HttpClient http;
  private final ExecutorService executor;
  private final Clock clock;

  public Notifier(LifeboatProperties.Notify notify, LifeboatMetrics metrics, Clock clock) {
    check(notify);
    this.notify = notify;
    this.metrics = metrics;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(notify.timeout()).build();
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "lifeboat-notify");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Refuses a webhook without a URL, of an unknown format, or subscribed to an unknown event (the
   * URLs themselves are checked with the rest of the configuration, in {@code LifeboatConfig}).
   */
  public static void check(LifeboatProperties.Notify notify) {
    for (int i = 0; i < notify.webhooks().size(); i++) {
      LifeboatProperties.Webhook w = notify.webhooks().get(i);
      String key = "lifeboat.notify.webhooks[" + i + "]";
      if (w.url() == null || w.url().isBlank()) {
        throw new ConfigException(key + ".url", "missing; set it (from an ${ENV} placeholder)");
      }
      if (!List.of("json", "slack").contains(w.format())) {
        throw new ConfigException(key + ".format", "'" + w.format() + "' is not json or slack");
      }
      for (String e : w.events()) {
        if (!Event.NAME.matcher(e).matches()) {
          throw new ConfigException(
              key + ".events",
              "unknown event '"
                  + e
                  + "'; events are <job>-<outcome>, e.g. backup-failed, backup-partial,"
                  + " drill-failed, drill-passed, prune-failed, migration-failed");
        }
      }
    }
  }

  @Override
  public void finished(JobExecution execution, History.Entry run) {
    if (notify.webhooks().isEmpty() && blank(notify.heartbeatUrl())) {
      return;
    }
    String event = Event.of(run.job(), run.outcome());
    Map<String, Object> body = body(execution, run, event);
    for (LifeboatProperties.Webhook w : notify.webhooks()) {
      if (w.events().contains(event)) {
        String payload =
            "slack".equals(w.format())
                ? Json.write(Map.of("text", body.get("text")))
                : Json.write(body);
        submit(w.format(), w.url(), payload);
      }
    }
    if (VerbName.BACKUP.is(run.job()) && !blank(notify.heartbeatUrl())) {
      if (Outcome.SUCCESS.word().equals(run.outcome())) {
        submit("heartbeat", notify.heartbeatUrl(), null);
      } else if (Event.failure(run.outcome())) {
        String fail =
            !blank(notify.heartbeatFailureUrl())
                ? notify.heartbeatFailureUrl()
                : failUrl(notify.heartbeatUrl());
        submit("heartbeat", fail, String.valueOf(body.get("text")));
      }
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  Map<String, Object> body(JobExecution execution, History.Entry run, String event) {
    String backup = RunObserver.backup(execution);
    Double seconds = run.seconds();
    if (seconds == null && execution.getStartTime() != null) {
      Instant started = execution.getStartTime().atZone(ZoneId.systemDefault()).toInstant();
      seconds = Duration.between(started, clock.instant()).toMillis() / 1000.0;
    }
    String text =
        "Lifeboat: "
            + run.job()
            + " of target '"
            + run.target()
            + "' "
            + run.outcome()
            + (seconds == null ? "" : " after " + String.format("%.1f", seconds) + " s")
            + (backup == null || backup.isBlank() ? "" : " (backup " + backup + ")")
            + (run.node() == null ? "" : " on " + run.node())
            + (run.error() == null ? "" : ": " + run.error());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("event", event);
    body.put("job", run.job());
    body.put("target", run.target());
    body.put("outcome", run.outcome());
    body.put("error", run.error());
    body.put("backup", backup == null || backup.isBlank() ? null : backup);
    body.put("seconds", seconds);
    body.put("trigger", run.trigger());
    body.put("node", run.node());
    body.put("execution", run.execution());
    body.put("text", text);
    return body;
  }

  /** healthchecks.io's convention: the ping URL with {@code /fail} appended to its path. */
  static String failUrl(String url) {
    URI u = URI.create(url);
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    String query = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
    return u.getScheme()
        + "://"
        + u.getRawAuthority()
        + (path.endsWith("/") ? path + "fail" : path + "/fail")
        + query;
  }

  private void submit(String channel, String url, String payload) {
    executor.execute(() -> deliver(channel, url, payload));
  }

  /** Sends once per attempt until a 2xx; returns whether it was delivered. */
  boolean deliver(String channel, String url, String payload) {
    String where = redact(url);
    String last = null;
    for (int attempt = 1; attempt <= notify.attempts(); attempt++) {
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(url)).timeout(notify.timeout());
        if (payload == null) {
          request.GET();
        } else {
          request
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(payload));
        }
        HttpResponse<Void> response =
            http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        int status = response.statusCode();
        if (status / 100 == 2) {
          return true;
        }
        last = "HTTP " + status;
        if (status / 100 == 4 && status != 408 && status != 429) {
          break; // the receiver refuses it: sending again changes nothing
        }
      } catch (IOException | IllegalArgumentException e) {
        last = describe(e, url);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        last = "interrupted";
        break;
      }
      if (attempt < notify.attempts()) {
        try {
          Thread.sleep(Math.min(5000, 500L << (attempt - 1)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    metrics.notificationFailed(channel);
    log.warn(
        "could not deliver a {} notification to {}: {} (after {} attempt(s))",
        channel,
        where,
        last,
        notify.attempts());
    return false;
  }

  /** What went wrong, without the URL (its path or query may hold a token). */
  private static String describe(Exception e, String url) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replace(url, redact(url));
  }

  /** scheme://host:port/… : never the path or query, which hold webhook tokens. */
  static String redact(String url) {
    try {
      URI u = URI.create(url);
      return u.getScheme()
          + "://"
          + u.getHost()
          + (u.getPort() > 0 ? ":" + u.getPort() : "")
          + "/…";
    } catch (IllegalArgumentException e) {
      return "(an invalid URL)";
    }
  }

  /** Waits up to {@code max} for pending deliveries (tests; the application's close). */
  boolean flush(Duration max) throws InterruptedException {
    executor.shutdown();
    return executor.awaitTermination(max.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void destroy() throws InterruptedException {
    // a one-shot command's notification still goes out, within its timeouts and retries
    Duration most = notify.timeout().multipliedBy(notify.attempts()).plusSeconds(10);
    if (!flush(most)) {
      executor.shutdownNow();
    }
  }
}
