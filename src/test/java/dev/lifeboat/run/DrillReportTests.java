package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.base.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrillReportTests {

  private static DrillReport report(DrillCheck.Status status, DrillCheck... checks) {
    return new DrillReport(
        status,
        "app",
        "20261207T030000Z",
        "lifeboat_drill_x",
        false,
        "a",
        20.25,
        18.0,
        List.of(checks),
        null);
  }

  @Test
  void aPassedDrillSucceededWhateverItsExecutionSays() {
    DrillReport passed = report(DrillCheck.Status.PASSED, DrillCheck.passed("rows", "match"));
    assertThat(passed.endedAs(Outcome.FAILED).outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(passed.error()).isNull();
    assertThat(passed.summary()).isEqualTo("backup 20261207T030000Z, restore 20.3s");
  }

  @Test
  void aFailedDrillEndedAsItsExecutionSaysAndFailedWhenNothingSaysMore() {
    DrillReport failed =
        report(
            DrillCheck.Status.FAILED,
            DrillCheck.failed("drill", "another drill is running"),
            DrillCheck.failed("x", "y"));
    assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(failed.endedAs(Outcome.SKIPPED).outcome()).isEqualTo(Outcome.SKIPPED);
    assertThat(failed.endedAs(Outcome.STOPPED).exitCode()).isEqualTo(1);
    assertThat(failed.error()).isEqualTo("drill: another drill is running; x: y");
  }

  @Test
  void howItEndedIsNotPartOfTheReportsJson() {
    DrillReport skipped =
        report(DrillCheck.Status.FAILED, DrillCheck.failed("drill", "busy"))
            .endedAs(Outcome.SKIPPED);
    String json = Json.write(skipped);
    assertThat(json).doesNotContain("ending").doesNotContain("skipped");
    assertThat(Json.read(json, DrillReport.class))
        .isEqualTo(report(DrillCheck.Status.FAILED, DrillCheck.failed("drill", "busy")));
  }

  @Test
  void aTypedDrillRefusesAnUnsignedBackupUnlessAllowedAndAScheduledOneFails() {
    assertThat(DrillRequest.typed("app", null, true, false))
        .isEqualTo(new DrillRequest("app", "latest", true, DrillRequest.Unsigned.REFUSED));
    assertThat(DrillRequest.typed("app", "b1", false, true).unsigned())
        .isEqualTo(DrillRequest.Unsigned.ALLOWED);
    assertThat(DrillRequest.scheduled("app"))
        .isEqualTo(new DrillRequest("app", "latest", false, DrillRequest.Unsigned.FAILS));
    assertThat(DrillRequest.scheduled("app").of("b2").backup()).isEqualTo("b2");
  }
}
