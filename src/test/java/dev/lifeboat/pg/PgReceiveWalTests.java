package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgReceiveWalTests {

  private static final PgTool TOOL =
      new PgTool("pg_receivewal", Path.of("/usr/lib/postgresql/15/bin/pg_receivewal"), "15.18", 15);
  private static final PgConnection CONN =
      new PgConnection("db.example", 5433, "app", "app", "s3cret-pass");

  @Test
  void streamsOnceIntoItsDirectoryWithoutSlotOrCompressionAndDiesWithItsParent() {
    List<String> command =
        new PgReceiveWal(ProcessRunner.system(), Path.of("/usr/bin/setpriv"))
            .command(TOOL, CONN, Path.of("/var/lib/lifeboat/wal/app/stream"), "lifeboat/app/n1");

    assertThat(command)
        .containsExactly(
            "/usr/bin/setpriv",
            "--pdeathsig",
            "INT",
            "--",
            "/usr/lib/postgresql/15/bin/pg_receivewal",
            "--directory=/var/lib/lifeboat/wal/app/stream",
            "--no-loop",
            "--verbose",
            "--status-interval=10",
            "--no-password",
            "--host=db.example",
            "--port=5433",
            "--username=app",
            "--dbname=application_name='lifeboat/app/n1'");
    assertThat(String.join(" ", command)).doesNotContain("s3cret").doesNotContain("--slot");
    assertThat(ProcessRunner.toolName(command)).isEqualTo("pg_receivewal");
  }

  @Test
  void withoutSetprivItRunsPgReceiveWalItselfAndQuotesTheApplicationName() {
    List<String> command =
        new PgReceiveWal(ProcessRunner.system(), null)
            .command(TOOL, CONN, Path.of("/s"), "lifeboat/it's/n1");

    assertThat(command.get(0)).isEqualTo("/usr/lib/postgresql/15/bin/pg_receivewal");
    assertThat(command).endsWith("--dbname=application_name='lifeboat/it\\'s/n1'");
  }

  @Test
  void theWalsenderIsNamedAfterTargetAndNode() {
    assertThat(PgReceiveWal.applicationName("app", "n1")).isEqualTo("lifeboat/app/n1");
  }
}
