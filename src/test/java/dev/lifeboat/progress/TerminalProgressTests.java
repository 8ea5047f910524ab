package dev.lifeboat.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TerminalProgressTests {

  @Test
  void aLineShowsBytesRateElapsedAndAnEtaWhenTheTotalIsKnown() {
    assertThat(TerminalProgress.line("verify x", 50L << 20, -1, 100L << 20, 5))
        .isEqualTo("verify x: 50.0 MiB of 100.0 MiB, 10.0 MiB/s, 5s, ETA 5s");
  }

  @Test
  void storedBytesAreShownWhenTheyDiffer() {
    assertThat(TerminalProgress.line("backup", 3L << 30, 1L << 30, -1, 90))
        .isEqualTo("backup: 3.0 GiB (1.0 GiB stored), 34.1 MiB/s, 1m30s");
  }

  @Test
  void redrawsAreThrottledAndTheLineIsClearedAtTheEnd() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    Progress.Task task = new TerminalProgress(new PrintStream(out), now::get).start("x", -1);
    task.update(1, -1);
    task.update(2, -1); // within 250 ms: not drawn
    now.addAndGet(300_000_000L);
    task.update(3, -1);
    task.close();
    String printed = out.toString();
    assertThat(printed.split("\r", -1)).hasSize(5);
    assertThat(printed).doesNotContain("x: 2 B").contains("x: 3 B").endsWith("\r");
  }
}
