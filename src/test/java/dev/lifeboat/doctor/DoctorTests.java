package dev.lifeboat.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class DoctorTests {

  static final class Fixed extends DoctorCheck {
    private final List<Probe> probes;

    Fixed(String topic, List<Probe> probes) {
      super(topic);
      this.probes = probes;
    }

    @Override
    public List<Probe> probes() {
      return probes;
    }
  }

  @Test
  void aProbeThatNeverAnswersFailsByNameWithinTheDeadlineAndTheOthersStillReport() {
    CountDownLatch never = new CountDownLatch(1);
    Doctor doctor =
        new Doctor(
            List.of(
                new Fixed(
                    "stores",
                    List.of(
                        new DoctorCheck.Probe(
                            "store hung",
                            () -> {
                              never.await();
                              return List.of();
                            }),
                        new DoctorCheck.Probe(
                            "store fine", () -> List.of(Finding.ok("store fine", "answered")))))),
            Duration.ofMillis(500));

    long started = System.nanoTime();
    DoctorReport report = doctor.examine();

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    assertThat(report.status()).isEqualTo("fail");
    assertThat(report.healthy()).isFalse();
    assertThat(report.checks())
        .extracting(DoctorReport.Check::name, DoctorReport.Check::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("store hung", "fail"),
            org.assertj.core.groups.Tuple.tuple("store fine", "ok"),
            org.assertj.core.groups.Tuple.tuple("migrations", "ok"));
    assertThat(report.checks().get(0).detail()).contains("no answer within 0.5s");
    assertThat(report.checks().get(2).detail()).isEqualTo("not configured");
  }

  @Test
  void warningsKeepTheAnswerHealthyAndACoveredTopicIsNotReportedAsNotConfigured() {
    Doctor doctor =
        new Doctor(
            List.of(
                new Fixed(
                    "migrations",
                    List.of(
                        new DoctorCheck.Probe(
                            "migrations",
                            () -> List.of(Finding.warn("migrations", "1 pending")))))),
            Duration.ofSeconds(5));

    DoctorReport report = doctor.examine();

    assertThat(report.status()).isEqualTo("warn");
    assertThat(report.healthy()).isTrue();
    assertThat(report.checks()).hasSize(1);
  }

  @Test
  void aProbeThatThrowsIsAFailureNamingIt() {
    Doctor doctor =
        new Doctor(
            List.of(
                new Fixed(
                    "targets",
                    List.of(
                        new DoctorCheck.Probe(
                            "target app",
                            () -> {
                              throw new IllegalStateException("boom");
                            })))),
            Duration.ofSeconds(5));

    DoctorReport.Check c = doctor.examine().checks().get(0);

    assertThat(c.name()).isEqualTo("target app");
    assertThat(c.status()).isEqualTo("fail");
    assertThat(c.detail()).isEqualTo("check failed: boom");
  }

  @Test
  void durationsReadShort() {
    assertThat(TargetsCheck.human(Duration.ofSeconds(42))).isEqualTo("42s");
    assertThat(TargetsCheck.human(Duration.ofMinutes(90))).isEqualTo("90m");
    assertThat(TargetsCheck.human(Duration.ofHours(30))).isEqualTo("30h");
    assertThat(TargetsCheck.human(Duration.ofDays(3))).isEqualTo("3d");
  }
}
