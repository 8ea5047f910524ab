package dev.lifeboat.crypto;

import dev.lifeboat.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The Ed25519 public keys whose manifest signatures restore, drill and verify accept, each with
 * where it came from. A key is written as one line: the base64 of its X.509 form (what {@code
 * openssl pkey -pubout} prints between its PEM lines, and what {@code lifeboat signing-key}
 * prints); a PEM block or the path of a file holding either works too.
 */
public final class TrustedKeys {

  /** One trusted key and where it was configured. */
  public record Key(String source, PublicKey key, String fingerprint) {}

  private final List<Key> keys;

  private TrustedKeys(List<Key> keys) {
    this.keys = List.copyOf(keys);
  }

  public static TrustedKeys of(List<Key> keys) {
    return new TrustedKeys(keys);
  }

  /**
   * Parses the configured entries ({@code configKey[i]}) into keys; a value that is neither a key
   * nor a readable file of one is a {@link ConfigException} naming it.
   */
  public static List<Key> parse(String configKey, List<String> entries) {
    List<Key> keys = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String key = configKey + "[" + i + "]";
      String entry = entries.get(i) == null ? "" : entries.get(i).strip();
      PublicKey parsed = parseKey(entry);
      String source = key;
      if (parsed == null && !entry.isEmpty() && !entry.contains("\n")) {
        Path file = Path.of(entry);
        if (Files.isRegularFile(file)) {
          try {
            parsed = parseKey(Files.readString(file, StandardCharsets.US_ASCII).strip());
          } catch (IOException | RuntimeException e) {
            throw new ConfigException(
                key,
                "cannot read the public key file "
                    + file
                    + " ("
                    + e.getClass().getSimpleName()
                    + ")");
          }
          source = key + " (file " + file + ")";
        }
      }
      if (parsed == null) {
        throw new ConfigException(
            key,
            "is not an Ed25519 public key (one base64 line such as MCowBQYDK2VwAyEA…, as"
                + " lifeboat signing-key prints it) nor a file holding one");
      }
      keys.add(new Key(source, parsed, fingerprint(parsed)));
    }
    return keys;
  }

  /** A key from its one-line or PEM text; null when the text is neither. */
  static PublicKey parseKey(String text) {
    try {
      byte[] der =
          text.contains("-----BEGIN")
              ? SigningKey.Pem.decode(text, "PUBLIC KEY")
              : Base64.getDecoder().decode(text);
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * A key read back from where Lifeboat recorded it (the control database), described by {@code
   * source}; empty when the text is not a public key or does not match its fingerprint.
   */
  public static Optional<Key> recorded(String source, String text, String fingerprint) {
    PublicKey key = text == null ? null : parseKey(text.strip());
    return key == null || !fingerprint(key).equals(fingerprint)
        ? Optional.empty()
        : Optional.of(new Key(source, key, fingerprint));
  }

  /** The one-line text of a public key. */
  public static String text(PublicKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  /** {@code sha256:} and the first 16 hex digits of the SHA-256 of the key's X.509 form. */
  public static String fingerprint(PublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return "sha256:" + HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The key that made {@code signature} of {@code message}, if one of these did. */
  public Optional<Key> verify(byte[] message, byte[] signature) {
    for (Key k : keys) {
      try {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(k.key());
        verifier.update(message);
        if (verifier.verify(signature)) {
          return Optional.of(k);
        }
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        // a malformed signature verifies under no key
      }
    }
    return Optional.empty();
  }

  /** The trusted key with this fingerprint, if any. */
  public Optional<Key> byFingerprint(String fingerprint) {
    return keys.stream().filter(k -> k.fingerprint().equals(fingerprint)).findFirst();
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /** Where each key came from, with its fingerprint, for messages. */
  public List<String> describe() {
    return keys.stream().map(k -> k.source() + " " + k.fingerprint()).toList();
  }

  @Override
  public String toString() {
    return "TrustedKeys" + describe();
  }
}
