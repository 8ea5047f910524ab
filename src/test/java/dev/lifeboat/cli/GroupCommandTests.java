package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GroupCommandTests {

  @Test
  void aCommandThatOnlyGroupsOthersRunAlonePrintsItsUsageAndExitsAsAUsageError() {
    for (Object group :
        new Object[] {new WalCommand(), new MigrateCommand(), new DataMigrateCommand()}) {
      PrintStream err = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      int exit;
      try {
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        exit = new CommandLine(group).execute();
      } finally {
        System.setErr(err);
      }
      String name = new CommandLine(group).getCommandName();
      assertThat(exit).as(name).isEqualTo(Launcher.USAGE);
      assertThat(captured.toString(StandardCharsets.UTF_8)).as(name).contains("Usage: " + name);
    }
  }
}
