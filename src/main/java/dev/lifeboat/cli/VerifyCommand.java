package dev.lifeboat.cli;

import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.verify.Verify;
import dev.lifeboat.verify.VerifyRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "verify",
    description = "Re-read a backup from each store and check its SHA-256 against the manifest.")
final class VerifyCommand extends VerbCommand {

  @Mixin VerbCommand.BackupId backup;

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
    Verify.Report report =
        bean(Door.class)
            .run(
                new VerifyRequest(target().name(), backup.id, store, deep, allowUnsigned),
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
}
