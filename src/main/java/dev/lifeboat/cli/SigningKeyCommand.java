package dev.lifeboat.cli;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.target.Targets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "signing-key",
    description =
        "Print this host's manifest signing public key (for lifeboat.signing.trusted-keys on the"
            + " hosts that restore and drill), and the keys trusted here.")
final class SigningKeyCommand extends VerbCommand {

  @Option(
      names = "--create",
      description =
          "Make the key pair when it does not exist yet (the first backup makes it otherwise).")
  boolean create;

  /** What {@code signing-key --json} prints. */
  record Shown(
      String file, String fingerprint, String publicKey, boolean created, List<String> trusted) {}

  @Override
  public Integer call() {
    Console console = console();
    Keys keys = bean(Keys.class);
    bean(Targets.class).validate();
    keys.validate();
    Path file = keys.signingKeyFile();
    SigningKey key;
    if (Files.exists(file)) {
      key = SigningKey.load(Keys.SIGNING_KEY, file);
    } else if (create) {
      key = SigningKey.create(Keys.SIGNING_KEY, file);
    } else {
      throw new ConfigException(
          Keys.SIGNING_KEY,
          "there is no signing key at "
              + file
              + " yet; the first backup makes one, or make it now with: lifeboat signing-key"
              + " --create");
    }
    List<String> trusted =
        keys.trustedKeys().stream().map(k -> k.source() + " " + k.fingerprint()).toList();
    printed(
        new Shown(file.toString(), key.fingerprint(), key.publicKeyText(), key.created(), trusted));
    if (console.json()) {
      return 0;
    }
    console.note(
        (key.created() ? "made the signing key " : "signing key ")
            + file
            + " ("
            + key.fingerprint()
            + "); its public key, for lifeboat.signing.trusted-keys on the hosts that restore"
            + " and drill these backups:");
    console.say(key.publicKeyText());
    console.note(
        "trusted here: this host's own key "
            + key.fingerprint()
            + (trusted.isEmpty() ? "" : ", " + String.join(", ", trusted)));
    return 0;
  }
}
