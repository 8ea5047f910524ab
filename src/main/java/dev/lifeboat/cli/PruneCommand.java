package dev.lifeboat.cli;

import dev.lifeboat.retention.PruneReport;
import dev.lifeboat.retention.PruneRequest;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Trigger;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "prune",
    description =
        "Apply the retention policy to every store of the target: show what is kept and why,"
            + " delete the rest, clean up what crashes left behind.")
final class PruneCommand extends VerbCommand {

  @Option(names = "--dry-run", description = "Print the plan; change nothing.")
  boolean dryRun;

  @Option(names = "--store", paramLabel = "S", description = "Prune this store only.")
  String store;

  @Override
  public Integer call() {
    PruneReport report =
        bean(Door.class).run(new PruneRequest(target().name(), store, dryRun), Trigger.CLI);
    Console console = printed(report);
    String verb = dryRun ? "would delete" : "deleted";
    for (PruneReport.StoreReport s : report.stores()) {
      if (s.status() == PruneReport.StoreStatus.SKIPPED) {
        console.error("lifeboat: store '" + s.store() + "' skipped: " + s.error());
        continue;
      }
      console.say(
          "store '"
              + s.store()
              + "' ("
              + s.rules()
              + "): "
              + s.kept().size()
              + " kept, "
              + s.deleted().size()
              + " "
              + verb
              + ", "
              + s.cleaned().size()
              + " leftover"
              + (s.cleaned().size() == 1 ? "" : "s")
              + (dryRun ? " to clean" : " cleaned"));
      if (s.guard() != null) {
        console.say("  NOTHING DELETED: " + s.guard());
      }
      for (PruneReport.Kept k : s.kept()) {
        console.say(
            String.format(
                Locale.ROOT, "  keep    %-22s %s", k.id(), String.join(", ", k.reasons())));
      }
      for (String id : s.deleted()) {
        console.say(String.format(Locale.ROOT, "  %-7s %s", dryRun ? "delete" : "deleted", id));
      }
      for (PruneReport.Cleaned c : s.cleaned()) {
        console.say(
            String.format(
                Locale.ROOT, "  %-7s %s %s", dryRun ? "clean" : "cleaned", c.kind(), c.key()));
      }
      for (PruneReport.Retained r : s.retainedByStore()) {
        console.say("  retained by the store: " + r.key() + " (" + r.why() + ")");
      }
      for (PruneReport.Retained r : s.leftAlone()) {
        console.say("  left alone: " + r.key() + " (" + r.why() + ")");
      }
      if (s.wal() != null) {
        wal(console, s.wal(), verb);
      }
    }
    for (PruneReport.Cleaned c : report.spool()) {
      console.say((dryRun ? "  clean   " : "  cleaned ") + c.kind() + " " + c.key());
    }
    console.say((dryRun ? "dry run: " : "") + report.summary());
    return report.exitCode();
  }

  /** The store's base backups and WAL: one line each kept or deleted, one per reason. */
  private void wal(Console console, PruneReport.Wal wal, String verb) {
    console.say(
        "  base backups: "
            + wal.kept().size()
            + " kept, "
            + wal.deleted().size()
            + " "
            + verb
            + "; WAL: "
            + wal.walDeleted()
            + " object"
            + (wal.walDeleted() == 1 ? "" : "s")
            + " ("
            + wal.walDeletedBytes()
            + " bytes) "
            + verb
            + (wal.keptFrom() == null ? "" : ", kept from " + wal.keptFrom())
            + (wal.oldestKeptSegment() == null
                ? ""
                : " (oldest segment kept " + wal.oldestKeptSegment() + ")"));
    for (PruneReport.Kept k : wal.kept()) {
      console.say(
          String.format(
              Locale.ROOT, "  keep    base %-17s %s", k.id(), String.join(", ", k.reasons())));
    }
    for (String id : wal.deleted()) {
      console.say(String.format(Locale.ROOT, "  %-7s base %s", dryRun ? "delete" : "deleted", id));
    }
    for (String reason : wal.reasons()) {
      console.say("  wal:    " + reason);
    }
    if (wal.retainedByStore() != null) {
      for (PruneReport.Retained r : wal.retainedByStore()) {
        console.say("  retained by the store: " + r.key() + " (" + r.why() + ")");
      }
    }
  }
}
