package dev.lifeboat.cli;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.progress.TerminalProgress;
import dev.lifeboat.target.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "backups",
    description = "List complete backups, newest first, read from the stores themselves.")
final class BackupsCommand extends VerbCommand {

  /** One line of {@code backups --json} (CONTRACT §4). */
  record Row(
      String id,
      String target,
      String label,
      Instant startedAt,
      Instant completedAt,
      long sizeBytes,
      long rawBytes,
      String sha256,
      String serverVersion,
      boolean pinned,
      List<String> stores,
      Instant verifiedAt,
      String pinReason,
      String format,
      List<String> recipients) {}

  /** One line of {@code backups --base --json}: a base backup and where it is complete. */
  record BaseRow(
      String id,
      String target,
      String label,
      String kind,
      Instant startedAt,
      Instant completedAt,
      long sizeBytes,
      long rawBytes,
      String sha256,
      String systemIdentifier,
      long timeline,
      String startLsn,
      String stopLsn,
      String startSegment,
      String stopSegment,
      String serverVersion,
      boolean encrypted,
      List<String> completeIn,
      List<String> waitingIn) {}

  @Option(
      names = "--base",
      description =
          "List the base backups of a target with WAL archiving instead: each with the stores"
              + " where it is complete (its WAL is there too) and those still waiting for WAL.")
  boolean base;

  @Override
  public Integer call() {
    if (base) {
      return baseBackups();
    }
    // the catalog before the target: in the lazy start, which mistake is reported first stays
    BackupCatalog catalog = bean(BackupCatalog.class);
    Console console = console();
    Target target = target();
    BackupCatalog.Listing listing = catalog.list(target);
    List<Row> rows = new ArrayList<>();
    for (BackupCatalog.Entry e : listing.backups()) {
      Manifest m = e.manifest();
      rows.add(
          new Row(
              m.id(),
              m.target(),
              m.label(),
              m.startedAt(),
              m.completedAt(),
              m.sizeBytes(),
              m.rawBytes(),
              m.sha256(),
              m.serverVersion(),
              e.pinned(),
              e.stores(),
              e.verifiedAt(),
              e.pin() == null ? null : e.pin().reason(),
              m.format(),
              m.recipients()));
    }
    listing
        .unreadableStores()
        .forEach(
            (store, why) ->
                console.note("warning: store '" + store + "' could not be read: " + why));
    listing
        .invalidManifests()
        .forEach(i -> console.note("warning: " + i.describe() + "; it is not listed"));
    int exit =
        exit(
            listing.unreadableStores().size(),
            target.stores().size(),
            listing.invalidManifests().size());
    if (console.json()) {
      console.printJson(rows);
      return exit;
    }
    if (rows.isEmpty()) {
      console.say(
          "no complete backups of target '" + target.name() + "' in stores " + target.stores());
      baseBackups(console, target);
      return exit;
    }
    console.say(
        String.format(
            Locale.ROOT,
            "%-20s %-12s %-20s %10s  %-10s  %-16s %s",
            "ID",
            "LABEL",
            "COMPLETED",
            "SIZE",
            "VERIFIED",
            "STORES",
            "ENCRYPTED TO"));
    for (Row r : rows) {
      console.say(
          String.format(
              Locale.ROOT,
              "%-20s %-12s %-20s %10s  %-10s  %-16s %s",
              r.id(),
              r.label() == null ? "" : r.label(),
              r.completedAt() == null
                  ? ""
                  : r.completedAt().toString().replaceAll("\\.\\d+Z$", "Z"),
              TerminalProgress.bytes(r.sizeBytes()),
              r.verifiedAt() == null ? "-" : r.verifiedAt().toString().substring(0, 10),
              String.join(",", r.stores()),
              (r.recipients().isEmpty() ? "-" : String.join(",", r.recipients()))
                  + (r.pinned()
                      ? "  pinned" + (r.pinReason() == null ? "" : ": " + r.pinReason())
                      : "")));
    }
    baseBackups(console, target);
    return exit;
  }

  private int baseBackups() {
    Console console = console();
    Target target = target();
    if (!walEnabled(target)) {
      console.error(
          "target '"
              + target.name()
              + "' has no WAL archiving (lifeboat.targets."
              + target.name()
              + ".wal.enabled), so no base backups");
      return 2;
    }
    BaseBackupCatalog.Listing listing = bean(BaseBackupCatalog.class).list(target);
    listing
        .unreadableStores()
        .forEach(
            (store, why) ->
                console.note("warning: store '" + store + "' could not be read: " + why));
    listing.invalidManifests().forEach(i -> console.note("warning: " + i + "; it is not listed"));
    int exit =
        exit(
            listing.unreadableStores().size(),
            target.stores().size(),
            listing.invalidManifests().size());
    if (console.json()) {
      List<BaseRow> rows = new ArrayList<>();
      for (BaseBackupCatalog.Entry e : listing.entries()) {
        BaseBackupCatalog.Manifest m = e.manifest();
        rows.add(
            new BaseRow(
                m.id(),
                m.target(),
                m.label(),
                m.kind(),
                m.startedAt(),
                m.completedAt(),
                m.sizeBytes(),
                m.rawBytes(),
                m.sha256(),
                m.systemIdentifier(),
                m.timeline(),
                m.startLsn(),
                m.stopLsn(),
                m.startSegment(),
                m.stopSegment(),
                m.serverVersion(),
                m.encrypted(),
                e.completeIn(),
                e.waitingIn()));
      }
      console.printJson(rows);
    } else {
      baseBackupTable(console, target, listing);
    }
    return exit;
  }

  /**
   * Every store unreadable: nothing can be said (1); some, or a manifest skipped as invalid: the
   * list is partial (3), though every backup it shows is sound; else 0.
   */
  private static int exit(int unreadable, int stores, int invalid) {
    if (unreadable > 0 && unreadable >= stores) {
      return 1;
    }
    return unreadable == 0 && invalid == 0 ? 0 : 3;
  }

  private boolean walEnabled(Target target) {
    var properties =
        bean(dev.lifeboat.config.LifeboatConfig.class).properties().targets().get(target.name());
    return properties != null && properties.wal() != null && properties.wal().enabled();
  }

  /**
   * The target's base backups (targets with WAL archiving), after the dumps: each with the stores
   * where it is complete, that is where its WAL is too, and those where it still waits for WAL.
   */
  private void baseBackups(Console console, Target target) {
    if (!walEnabled(target)) {
      return;
    }
    console.say("");
    baseBackupTable(console, target, bean(BaseBackupCatalog.class).list(target));
  }

  private static void baseBackupTable(
      Console console, Target target, BaseBackupCatalog.Listing listing) {
    if (listing.entries().isEmpty()) {
      console.say("no base backups of target '" + target.name() + "'");
      return;
    }
    console.say(
        String.format(
            Locale.ROOT,
            "%-20s %-12s %-20s %10s  %-21s %s",
            "BASE BACKUP",
            "LABEL",
            "COMPLETED",
            "SIZE",
            "WAL",
            "COMPLETE IN (WAITING FOR WAL IN)"));
    for (BaseBackupCatalog.Entry e : listing.entries()) {
      BaseBackupCatalog.Manifest m = e.manifest();
      console.say(
          String.format(
              Locale.ROOT,
              "%-20s %-12s %-20s %10s  %-21s %s%s",
              m.id(),
              m.label() == null ? "" : m.label(),
              m.completedAt() == null
                  ? ""
                  : m.completedAt().toString().replaceAll("\\.\\d+Z$", "Z"),
              TerminalProgress.bytes(m.sizeBytes()),
              m.startLsn() + "-" + m.stopLsn(),
              e.completeIn().isEmpty() ? "-" : String.join(",", e.completeIn()),
              e.waitingIn().isEmpty() ? "" : " (" + String.join(",", e.waitingIn()) + ")"));
    }
  }
}
