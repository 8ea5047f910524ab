package dev.lifeboat.cli;

import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.DrillReport;
import dev.lifeboat.run.DrillRequest;
import dev.lifeboat.run.Trigger;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "drill",
    description = "Restore a backup into a scratch database, validate it, drop it, report.")
final class DrillCommand extends VerbCommand {

  @Option(
      names = "--backup",
      paramLabel = "ID|latest",
      description = "The backup to drill (default: latest).")
  String backup = "latest";

  @Option(names = "--keep", description = "Keep the scratch database for a look afterwards.")
  boolean keep;

  @Option(
      names = "--allow-unsigned",
      description =
          "Drill a backup no trusted key signed (made before manifest signing, or by a host whose"
              + " key is not in lifeboat.signing.trusted-keys): restored only as a role without"
              + " SUPERUSER, never marked verified.")
  boolean allowUnsigned;

  @Override
  public Integer call() {
    DrillReport report =
        bean(Door.class)
            .run(
                DrillRequest.typed(connectedTarget().name(), backup, keep, allowUnsigned),
                Trigger.CLI);
    Console console = printed(report);
    long failed = report.checks().stream().filter(c -> !c.ok()).count();
    console.say(
        String.format(
            Locale.ROOT,
            "drill of backup %s of target '%s': %s%s",
            report.backup(),
            report.target(),
            report.status().name(),
            report.restoreSeconds() == null
                ? ""
                : String.format(
                    Locale.ROOT,
                    ", restore took %.1fs (pg_restore %.1fs)",
                    report.restoreSeconds(),
                    report.pgRestoreSeconds())));
    for (DrillCheck c : report.checks()) {
      console.say(
          String.format(
              Locale.ROOT, "  %-6s %-40s %s", c.ok() ? "ok" : "FAILED", c.name(), c.detail()));
    }
    if (report.kept()) {
      console.say("scratch database kept: " + report.database());
    }
    if (!report.passed()) {
      console.error(
          "lifeboat: drill failed: " + failed + " check" + (failed == 1 ? "" : "s") + " failed");
      return 1;
    }
    return 0;
  }
}
