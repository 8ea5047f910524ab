package dev.lifeboat.cli;

import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.verify.Verify;
import dev.lifeboat.verify.VerifyRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "verify",
    description = {
      "Re-read a backup from each store and check its SHA-256 against the manifest.",
      "With --wal: re-read the target's WAL archive instead and report its chain per store."
    })
final class VerifyCommand extends VerbCommand {

  @ArgGroup(exclusive = true, multiplicity = "1")
  What what;

  /** A backup, or the WAL archive: one of the two. */
  static final class What {
    @Parameters(index = "0", paramLabel = "ID|latest", description = "The backup id, or 'latest'.")
    String id;

    @Option(
        names = "--wal",
        description =
            "Check the WAL archive instead of a backup: every stored WAL object re-read against"
                + " the SHA-256 in its key; the runs, gaps, corrupt objects, recoverable windows"
                + " and newest partial per store.")
    boolean wal;
  }

  @Option(names = "--store", paramLabel = "NAME", description = "Check only this store.")
  String store;

  @Option(
      names = "--deep",
      description =
          "Also decrypt (with lifeboat.encryption.identities) and decompress an encrypted backup"
              + " to nowhere; an unencrypted one is always decompressed.")
  boolean deep;

  @Option(
      names = "--allow-unsigned",
      description =
          "Verify a backup no trusted key signed (made before manifest signing); it is not marked"
              + " verified.")
  boolean allowUnsigned;

  @Override
  public Integer call() {
    if (what.wal) {
      return wal();
    }
    Verify.Report report =
        bean(Door.class)
            .run(
                new VerifyRequest(target().name(), what.id, store, deep, allowUnsigned),
                Trigger.CLI);
    BackupVerifier.VerifyResult result = report.result();
    Console console = printed(result);
    console.say(
        "backup "
            + result.id()
            + " of target '"
            + result.target()
            + "' (sha256 "
            + result.sha256()
            + "):");
    console.say("  signature: " + result.signature());
    for (BackupVerifier.StoreCheck c : result.stores()) {
      console.say("  " + c.store() + ": " + c.status() + " - " + c.detail());
    }
    if (!result.ok()) {
      boolean partial = report.exitCode() == 3;
      console.error(
          "lifeboat: verify failed in: "
              + String.join(
                  ", ",
                  result.stores().stream()
                      .filter(c -> !c.ok())
                      .map(BackupVerifier.StoreCheck::store)
                      .toList())
              + (partial ? " (unreachable; the other copies are good)" : ""));
    }
    return report.exitCode();
  }

  private int wal() {
    Verify.Report report =
        bean(Door.class).run(VerifyRequest.wal(target().name(), store), Trigger.CLI);
    Verify.WalReport wal = report.wal();
    Console console = printed(wal);
    walLines(wal).forEach(console::say);
    if (report.exitCode() != 0) {
      console.error(
          "lifeboat: verify --wal failed in: "
              + String.join(
                  ", ",
                  wal.stores().stream()
                      .filter(s -> !s.ok())
                      .map(Verify.WalReport.Store::store)
                      .toList()));
    }
    return report.exitCode();
  }

  /** What {@code verify --wal} prints: per store its verdict, then its chain line by line. */
  static List<String> walLines(Verify.WalReport wal) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "WAL of target '"
            + wal.target()
            + "'"
            + (wal.systemIdentifier() == null ? "" : ", system " + wal.systemIdentifier())
            + ":");
    for (Verify.WalReport.Store s : wal.stores()) {
      lines.add("  " + s.store() + ": " + s.status().word() + " - " + s.detail());
      if (s.timeline() == null) {
        continue;
      }
      for (Verify.WalReport.Run r : s.runs()) {
        lines.add(
            "    run "
                + r.first()
                + (r.segments() > 1 ? " to " + r.last() : "")
                + ": "
                + r.segments()
                + " segment(s), WAL to "
                + r.end());
      }
      for (Verify.WalReport.Gap g : s.gaps()) {
        lines.add(
            "    gap "
                + g.from()
                + (g.segments() > 1 ? " to " + g.to() : "")
                + ": "
                + g.segments()
                + " segment(s) missing");
      }
      for (Verify.WalReport.Corrupt c : s.corrupt()) {
        lines.add("    corrupt " + c.key() + ": " + c.problem());
      }
      for (Verify.WalReport.Window w : s.windows()) {
        lines.add(
            "    recoverable from "
                + w.from()
                + " (base backup "
                + w.baseBackup()
                + ") to "
                + w.to()
                + ", timeline "
                + w.timeline());
      }
      if (s.newestPartial() != null) {
        Verify.WalReport.Partial p = s.newestPartial();
        lines.add(
            String.format(
                Locale.ROOT,
                "    newest partial %s: %d bytes, %d s old",
                p.segment(),
                p.validBytes(),
                p.ageSeconds()));
      }
      for (Long t : s.timelinesWithoutHistory()) {
        lines.add("    timeline " + t + ": its history file is not readable here; not followed");
      }
      lines.add("    " + s.objects() + " object(s), " + s.bytes() + " bytes read back");
    }
    return lines;
  }
}
