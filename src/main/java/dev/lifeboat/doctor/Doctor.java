package dev.lifeboat.doctor;

import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * {@code lifeboat version}: runs every {@link DoctorCheck}'s probes in parallel, each bounded by
 * one deadline, and collects their findings in a stable order. A probe that has not answered by
 * then is a failure saying so; its thread is abandoned (a daemon), so the answer always comes.
 */
@Component
public final class Doctor {

  /** Topics every answer mentions, "not configured" when no check covers them. */
  static final List<String> EXPECTED_TOPICS = List.of("migrations");

  /**
   * When the answer must be ready, counted from the start of the process, so that the whole command
   * ends within 20 seconds even on a slow start; at least {@link #MIN_WAIT} after the probes start.
   */
  static final Duration ANSWER_BY = Duration.ofSeconds(16);

  static final Duration MIN_WAIT = Duration.ofSeconds(4);

  private final List<DoctorCheck> checks;
  private final Duration deadline;

  @Autowired
  Doctor(List<DoctorCheck> checks) {
    this(
        checks,
        max(MIN_WAIT, ANSWER_BY.minusMillis(ManagementFactory.getRuntimeMXBean().getUptime())));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  Doctor(List<DoctorCheck> checks, Duration deadline) {
    this.checks = List.copyOf(checks);
    this.deadline = deadline;
  }

  public DoctorReport examine() {
    List<DoctorCheck.Probe> probes = new ArrayList<>();
    Set<String> topics = new TreeSet<>();
    for (DoctorCheck c : checks) {
      topics.add(c.topic());
      probes.addAll(c.probes());
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, Math.min(16, probes.size())),
            r -> {
              Thread t = new Thread(r, "doctor-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<List<Finding>>> futures = new ArrayList<>();
      for (DoctorCheck.Probe p : probes) {
        futures.add(pool.submit(p.work()));
      }
      long end = System.nanoTime() + deadline.toNanos();
      List<Finding> findings = new ArrayList<>();
      for (int i = 0; i < probes.size(); i++) {
        DoctorCheck.Probe p = probes.get(i);
        try {
          findings.addAll(
              futures.get(i).get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
          futures.get(i).cancel(true);
          findings.add(
              Finding.fail(
                  p.name(),
                  "no answer within "
                      + deadline.toMillis() / 1000.0
                      + "s; gave up waiting (a store or server that does not answer?)"));
        } catch (ExecutionException e) {
          Throwable cause = e.getCause() == null ? e : e.getCause();
          findings.add(Finding.fail(p.name(), "check failed: " + cause.getMessage()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          findings.add(Finding.fail(p.name(), "interrupted"));
        }
      }
      for (String topic : EXPECTED_TOPICS) {
        if (!topics.contains(topic)) {
          findings.add(Finding.ok(topic, "not configured"));
        }
      }
      return DoctorReport.of(findings);
    } finally {
      pool.shutdownNow();
    }
  }
}
