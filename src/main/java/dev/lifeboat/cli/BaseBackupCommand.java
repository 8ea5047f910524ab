package dev.lifeboat.cli;

import dev.lifeboat.run.Door;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.wal.BaseBackupRequest;
import dev.lifeboat.wal.BaseBackupResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "basebackup",
    description =
        "Copy the target's whole server (pg_basebackup) to every one of its stores; complete in a"
            + " store once its WAL is there too. Prints the id.")
final class BaseBackupCommand extends VerbCommand {

  @Option(
      names = "--label",
      paramLabel = "TEXT",
      description = "A label stored in the manifest and in the server's backup_label.")
  String label;

  @Override
  public Integer call() {
    BaseBackupResult result =
        bean(Door.class).run(new BaseBackupRequest(connectedTarget().name(), label), Trigger.CLI);
    report(printed(result), result);
    return result.exitCode();
  }

  private static void report(Console console, BaseBackupResult r) {
    if (r.manifest() != null) {
      var m = r.manifest();
      console.note(
          "base backup "
              + r.id()
              + " of target '"
              + r.target()
              + "': "
              + r.outcome().word()
              + ", "
              + m.sizeBytes()
              + " bytes stored ("
              + m.rawBytes()
              + " copied), WAL "
              + m.startLsn()
              + " to "
              + m.stopLsn()
              + " on timeline "
              + m.timeline()
              + ", sha256 "
              + m.sha256());
    }
    for (BaseBackupResult.StoreOutcome s : r.stores()) {
      console.note(
          "  "
              + s.store()
              + ": "
              + s.status().word()
              + (s.detail() == null ? "" : " - " + s.detail()));
    }
    if (r.exitCode() != 0) {
      console.error(
          "lifeboat: basebackup of target '"
              + r.target()
              + "' "
              + r.outcome().word()
              + (r.error() == null ? "" : ": " + r.error()));
    }
    if (!console.json() && r.manifest() != null) {
      System.out.println(r.id());
    }
  }
}
