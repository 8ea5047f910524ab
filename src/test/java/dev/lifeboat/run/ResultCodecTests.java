package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** A result in the execution context and back, as the door and old records hold it. */
class ResultCodecTests {

  record Done(Outcome outcome, String summary, String error) implements Result {}

  @Test
  void aResultComesBackAsItWasPut() {
    ExecutionContext context = new ExecutionContext();
    ResultCodec.put(context, new Done(Outcome.PARTIAL, "2 of 3", "store b down"));

    assertThat(ResultCodec.read(context, Done.class))
        .contains(new Done(Outcome.PARTIAL, "2 of 3", "store b down"));
  }

  @Test
  void aRunRecordedBeforeTheDoorIsReadFromItsReportWithFieldsALaterVersionDropped() {
    ExecutionContext context = new ExecutionContext();
    context.putString(
        "report", "{\"outcome\":\"failed\",\"summary\":\"nothing\",\"error\":\"down\",\"gone\":1}");

    assertThat(ResultCodec.read(context, Done.class))
        .contains(new Done(Outcome.FAILED, "nothing", "down"));
  }

  @Test
  void aRunThatLeftNoResultHasNone() {
    assertThat(ResultCodec.read(new ExecutionContext(), Done.class)).isEmpty();
  }
}
