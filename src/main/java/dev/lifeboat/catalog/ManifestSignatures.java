package dev.lifeboat.catalog;

import dev.lifeboat.base.Json;
import dev.lifeboat.base.LifeboatException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Node;
import dev.lifeboat.crypto.ClusterSigningKeys;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.crypto.TrustedKeys;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Manifest signatures. The backup host signs the exact bytes of each manifest with its Ed25519 key
 * and stores the signature as {@code <target>/<id>/manifest.sig}, written before the manifest (so a
 * manifest's presence still means "complete"). The manifest holds the SHA-256 and size of the dump
 * and of the globals (of the stored bytes, encrypted ones when age is on), so a trusted signature
 * covers every byte a restore reads. Restore, drill and verify use a backup only when a trusted key
 * signed the manifest they use: this host's own key, or one of {@code
 * lifeboat.signing.trusted-keys}.
 *
 * <p>The signed message is {@value #FORMAT}, a newline, the manifest's object key ({@code
 * <target>/<id>/manifest.json}), a newline, then the manifest's bytes: a signature is valid for
 * that one object and nothing else.
 */
@Component
public final class ManifestSignatures {

  /** The signature object's format, and the first line of every signed message. */
  public static final String FORMAT = "lifeboat-manifest-signature-v1";

  static final String ALGORITHM = "Ed25519";

  private static final Logger LOG = LoggerFactory.getLogger(ManifestSignatures.class);

  private final LifeboatConfig config;
  private final Targets targets;
  private final Keys keys;
  private final ClusterSigningKeys cluster;
  private final Node node;
  private volatile boolean recorded;

  public ManifestSignatures(
      LifeboatConfig config, Targets targets, Keys keys, ClusterSigningKeys cluster, Node node) {
    this.config = config;
    this.targets = targets;
    this.keys = keys;
    this.cluster = cluster;
    this.node = node;
  }

  /** The content of {@code manifest.sig}. */
  record SignatureFile(String format, String algorithm, String key, String signature) {}

  /** How a backup's manifest stands. */
  public enum Status {
    /** A trusted key signed the manifest in use. */
    SIGNED,
    /** No copy has a signature: made before signing, or by someone without the key. */
    UNSIGNED,
    /** Signed, by a key this host does not trust. */
    UNTRUSTED,
    /** A signature that does not match: the manifest was changed after it was signed. */
    INVALID
  }

  /**
   * The verdict on one backup: its status, the store whose copy decided it, and what was seen
   * (which key signed it, or what is wrong). {@code trusted} names the keys trusted here, for
   * messages.
   */
  public record Verdict(
      String backup,
      String target,
      Status status,
      String store,
      String detail,
      List<String> trusted) {

    public boolean signed() {
      return status == Status.SIGNED;
    }

    /** One line for a plan, a drill check or verify's output. */
    public String describe() {
      return switch (status) {
        case SIGNED -> "signed " + detail;
        case UNSIGNED -> "NOT SIGNED: " + detail;
        case UNTRUSTED -> "NOT TRUSTED: " + detail;
        case INVALID -> "SIGNATURE DOES NOT MATCH: " + detail;
      };
    }

    /** The refusal as what a caller throws: exit 2, nothing touched. */
    public LifeboatException refused() {
      return new UnsignedBackupException(refusal());
    }

    /** Why the backup is refused, and what to do: one sentence. */
    public String refusal() {
      String what = "backup " + backup + " of target '" + target + "'";
      String runbook = "see docs/runbook.md, \"A refused unsigned backup\"";
      return switch (status) {
        case SIGNED -> what + " is signed";
        case UNSIGNED ->
            what
                + " is not signed ("
                + detail
                + "): anyone who can write to the store could have made it, and restoring it runs"
                + " its SQL; if a Lifeboat older than manifest signing made it, add"
                + " --allow-unsigned, otherwise do not use it ("
                + runbook
                + "); nothing was touched";
        case UNTRUSTED ->
            what
                + " is "
                + detail
                + " (trusted here: "
                + (trusted.isEmpty() ? "none" : String.join(", ", trusted))
                + "); if a host of yours made it, add that host's public key (lifeboat"
                + " signing-key, run there) to lifeboat.signing.trusted-keys, otherwise do not use"
                + " it ("
                + runbook
                + "); nothing was touched";
        case INVALID ->
            what
                + " has a signature that does not match ("
                + detail
                + "): it was changed after it was signed; do not use it ("
                + runbook
                + "); nothing was touched";
      };
    }
  }

  /**
   * This host's signing key: {@code lifeboat.signing.key}, else {@code <home>/keys/signing.key},
   * made now when it does not exist yet. A bad key file is exit 2 naming it.
   */
  public SigningKey signingKey() {
    Path file = keys.signingKeyFile();
    SigningKey key;
    if (!keys.signingKeyConfigured() && !Files.exists(file)) {
      key = SigningKey.create(Keys.SIGNING_KEY, file);
      if (key.created()) {
        LOG.warn(
            "made the manifest signing key {} ({}); hosts that share this control database trust"
                + " it; to restore or drill these backups on another host, add its public key to"
                + " lifeboat.signing.trusted-keys there: {}",
            file,
            key.fingerprint(),
            key.publicKeyText());
      }
    } else {
      key = SigningKey.load(Keys.SIGNING_KEY, file);
    }
    record(key);
    return key;
  }

  /** This host's public key into the control database, once per process, for its cluster. */
  private void record(SigningKey key) {
    if (recorded) {
      return;
    }
    try {
      cluster.record(key.fingerprint(), key.publicKeyText(), node.name());
      recorded = true;
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "could not record this host's signing key {} in the control database ({}); hosts that"
              + " share it trust its backups only once it is recorded, or listed in their"
              + " lifeboat.signing.trusted-keys",
          key.fingerprint(),
          e.getMessage());
    }
  }

  /** The content of {@code manifest.sig} for {@code json}, the manifest stored as {@code key}. */
  public static byte[] sign(SigningKey signingKey, String manifestKey, byte[] json) {
    byte[] signature = signingKey.sign(message(manifestKey, json));
    SignatureFile file =
        new SignatureFile(
            FORMAT,
            ALGORITHM,
            signingKey.fingerprint(),
            Base64.getEncoder().encodeToString(signature));
    return Json.write(file).getBytes(StandardCharsets.UTF_8);
  }

  /** What is signed: the format, the manifest's key and its exact bytes. */
  static byte[] message(String manifestKey, byte[] json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 128);
    out.writeBytes((FORMAT + "\n" + manifestKey + "\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(json);
    return out.toByteArray();
  }

  /**
   * The keys trusted here: this host's own signing key (when its file exists), {@code
   * lifeboat.signing.trusted-keys}, and the keys of the hosts that share this control database
   * (each records its own when it signs).
   */
  public TrustedKeys trustedKeys() {
    List<TrustedKeys.Key> keys = new ArrayList<>();
    Path own = this.keys.signingKeyFile();
    if (Files.exists(own)) {
      SigningKey key = SigningKey.load(Keys.SIGNING_KEY, own);
      keys.add(
          new TrustedKeys.Key(
              "this host's signing key (" + own + ")", key.publicKey(), key.fingerprint()));
    }
    keys.addAll(this.keys.trustedKeys());
    try {
      for (ClusterSigningKeys.Recorded r : cluster.all()) {
        if (keys.stream().noneMatch(k -> k.fingerprint().equals(r.fingerprint()))) {
          TrustedKeys.recorded(
                  "node " + r.node() + "'s signing key (recorded in the control database)",
                  r.publicKey(),
                  r.fingerprint())
              .ifPresent(keys::add);
        }
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "could not read the signing keys recorded in the control database ({}); trusting this"
              + " host's key and lifeboat.signing.trusted-keys only",
          e.getMessage());
    }
    return TrustedKeys.of(keys);
  }

  /**
   * Reads the manifest and signature of {@code entry} from the stores that hold it (the target's
   * order) and judges them: the first copy a trusted key signed and that is the manifest listed
   * makes it {@link Status#SIGNED}; else the worst seen (invalid, untrusted, unsigned). A store
   * that cannot be read is passed over; when none can be, its failure is thrown.
   */
  public Verdict check(Target target, BackupCatalog.Entry entry) {
    return check(target, entry, trustedKeys());
  }

  Verdict check(Target target, BackupCatalog.Entry entry, TrustedKeys trusted) {
    Manifest listed = entry.manifest();
    List<Verdict> seen = new ArrayList<>();
    StoreException unreadable = null;
    for (String name : target.stores()) {
      if (!entry.stores().contains(name)) {
        continue;
      }
      try {
        Verdict v = checkCopy(targets.store(name), listed, trusted);
        if (v.signed()) {
          return v;
        }
        seen.add(v);
      } catch (StoreException e) {
        if (e.kind() != StoreException.Kind.NOT_FOUND) {
          unreadable = e;
        }
      }
    }
    if (seen.isEmpty()) {
      if (unreadable != null) {
        throw unreadable;
      }
      return verdict(listed, Status.UNSIGNED, null, "no store holds its manifest now", trusted);
    }
    return seen.stream()
        .max(Comparator.comparingInt((Verdict v) -> severity(v.status())))
        .orElseThrow();
  }

  private static int severity(Status status) {
    return switch (status) {
      case SIGNED -> 0;
      case UNSIGNED -> 1;
      case UNTRUSTED -> 2;
      case INVALID -> 3;
    };
  }

  /**
   * Refuses (exit 2) a backup that is not signed by a trusted key; with {@code allowUnsigned} an
   * unsigned one, or one signed by a key not trusted here, is returned for the caller to use (and
   * to say so). A signature that does not match is refused either way.
   */
  public Verdict require(Target target, BackupCatalog.Entry entry, boolean allowUnsigned) {
    Verdict v = check(target, entry);
    if (v.signed() || allowUnsigned && v.status() != Status.INVALID) {
      return v;
    }
    throw v.refused();
  }

  private Verdict checkCopy(BackupStore store, Manifest listed, TrustedKeys trusted) {
    String manifestKey = Manifest.manifestKey(listed.target(), listed.id());
    byte[] json = read(store, manifestKey);
    byte[] sig;
    try {
      sig = read(store, Manifest.signatureKey(listed.target(), listed.id()));
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return verdict(
            listed,
            Status.UNSIGNED,
            store.name(),
            "store '"
                + store.name()
                + "' holds no "
                + Manifest.SIGNATURE_FILE
                + " beside its manifest",
            trusted);
      }
      throw e;
    }
    SignatureFile file;
    byte[] signature;
    try {
      file = Json.read(new String(sig, StandardCharsets.UTF_8), SignatureFile.class);
      if (file == null
          || !FORMAT.equals(file.format())
          || !ALGORITHM.equals(file.algorithm())
          || file.signature() == null) {
        throw new IllegalArgumentException("not " + FORMAT);
      }
      signature = Base64.getDecoder().decode(file.signature());
    } catch (RuntimeException e) {
      return verdict(
          listed,
          Status.INVALID,
          store.name(),
          "its " + Manifest.SIGNATURE_FILE + " in store '" + store.name() + "' is not a signature",
          trusted);
    }
    Optional<TrustedKeys.Key> by = trusted.verify(message(manifestKey, json), signature);
    if (by.isPresent()) {
      Manifest signed;
      try {
        signed = Manifests.read(json);
      } catch (IllegalArgumentException e) {
        signed = null;
      }
      if (!listed.equals(signed)) {
        return verdict(
            listed,
            Status.INVALID,
            store.name(),
            "the signed manifest in store '"
                + store.name()
                + "' is not the manifest listed for it (another store's copy differs)",
            trusted);
      }
      return verdict(
          listed,
          Status.SIGNED,
          store.name(),
          "by " + by.get().source() + " " + by.get().fingerprint(),
          trusted);
    }
    String key = file.key() == null ? "an unnamed key" : "key " + file.key();
    if (file.key() != null && trusted.byFingerprint(file.key()).isPresent()) {
      return verdict(
          listed,
          Status.INVALID,
          store.name(),
          "the manifest in store '" + store.name() + "' is not what trusted " + key + " signed",
          trusted);
    }
    return verdict(
        listed,
        Status.UNTRUSTED,
        store.name(),
        "signed by " + key + " (store '" + store.name() + "'), which is not trusted here",
        trusted);
  }

  private static Verdict verdict(
      Manifest m, Status status, String store, String detail, TrustedKeys trusted) {
    return new Verdict(m.id(), m.target(), status, store, detail, trusted.describe());
  }

  /** The whole object {@code key} of {@code store}; a failure to read it is UNAVAILABLE. */
  static byte[] read(BackupStore store, String key) {
    try (InputStream in = store.open(key)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new StoreException(
          store.name(),
          StoreException.Kind.UNAVAILABLE,
          "reading " + key + " from store '" + store.name() + "' failed: " + e.getMessage(),
          e);
    }
  }
}
