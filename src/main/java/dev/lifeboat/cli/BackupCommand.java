package dev.lifeboat.cli;

import dev.lifeboat.progress.TerminalProgress;
import dev.lifeboat.run.BackupRequest;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Trigger;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "backup",
    description = "Dump the target and upload it to every one of its stores; prints the backup id.")
final class BackupCommand extends VerbCommand {

  @Option(
      names = "--label",
      paramLabel = "TEXT",
      description = "A label stored in the manifest (e.g. nightly).")
  String label;

  @Override
  public Integer call() {
    // no --label (or a blank one) is no label: null in the manifest, not ""
    BackupResult result =
        bean(Door.class).run(new BackupRequest(connectedTarget().name(), label), Trigger.CLI);
    report(printed(result), result);
    return result.exitCode();
  }

  private static void report(Console console, BackupResult r) {
    if (r.manifest() != null) {
      var m = r.manifest();
      console.note(
          "backup "
              + r.id()
              + " of target '"
              + r.target()
              + "': "
              + r.status().word()
              + ", "
              + TerminalProgress.bytes(m.sizeBytes())
              + " stored ("
              + TerminalProgress.bytes(m.rawBytes())
              + " dumped) in "
              + seconds(Duration.between(m.startedAt(), m.completedAt()))
              + ", sha256 "
              + m.sha256());
    }
    for (BackupResult.Store s : r.stores()) {
      console.note(
          "  "
              + s.store()
              + ": "
              + s.status().word()
              + (s.error() == null ? "" : " - " + s.error()));
    }
    if (r.exitCode() != 0) {
      console.error(
          "lifeboat: backup of target '"
              + r.target()
              + "' "
              + r.status().word()
              + (r.error() == null ? "" : ": " + r.error()));
    }
    if (!console.json() && r.exitCode() != 1) {
      System.out.println(r.id());
    }
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
