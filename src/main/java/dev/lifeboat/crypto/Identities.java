package dev.lifeboat.crypto;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import dev.lifeboat.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The age identities (secret keys) a restore, drill or deep verify may use, each with where it came
 * from. The secret itself never leaves this class: {@link #toString()} and every message name the
 * source only.
 */
public final class Identities {

  /** One configured source: a file or a value from the environment, and what it yielded. */
  private record Source(String description, List<RecipientStanzaReader> readers) {
    @Override
    public String toString() {
      return description;
    }
  }

  private final List<Source> sources;

  private Identities(List<Source> sources) {
    this.sources = sources;
  }

  /** No identity at all (plain verify, a backup host). */
  public static Identities none() {
    return new Identities(List.of());
  }

  /**
   * Loads every configured entry: a value starting with {@code AGE-SECRET-KEY-} is a key (typically
   * from {@code ${ENV}}); anything else is a file holding keys, as age-keygen writes it. {@code
   * raw} gives each entry as configured (before placeholders), to name it without its value.
   */
  public static Identities load(
      String configKey, List<String> entries, java.util.function.IntFunction<String> raw) {
    List<Source> sources = new ArrayList<>();
    if (entries == null) {
      return none();
    }
    for (int i = 0; i < entries.size(); i++) {
      String key = configKey + "[" + i + "]";
      String entry = entries.get(i) == null ? "" : entries.get(i).strip();
      String configured = raw.apply(i);
      if (entry.startsWith("AGE-SECRET-KEY-")) {
        Path secretFile = secretFile(configured);
        if (secretFile != null) {
          requirePrivate(key, secretFile);
        }
        String from =
            configured != null && configured.contains("${")
                ? configured.strip()
                : "a key written into the configuration";
        sources.add(new Source(key + " (" + from + ")", List.of(reader(key, entry))));
      } else if (entry.isEmpty()) {
        throw new ConfigException(
            key,
            (configured != null && configured.contains("${") ? configured.strip() + " is" : "is")
                + " empty; name an identity file or set the variable to an age identity (as age-keygen writes it)");
      } else {
        Path file = Path.of(entry);
        requirePrivate(key, file);
        List<RecipientStanzaReader> readers = new ArrayList<>();
        List<String> lines;
        try {
          lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
          throw new ConfigException(
              key,
              "cannot read the identity file "
                  + file
                  + " ("
                  + e.getClass().getSimpleName()
                  + "); check that it exists and that Lifeboat's user may read it");
        }
        for (String line : lines) {
          String l = line.strip();
          if (l.isEmpty() || l.startsWith("#")) {
            continue;
          }
          readers.add(reader(key + " (file " + file + ")", l));
        }
        if (readers.isEmpty()) {
          throw new ConfigException(
              key,
              "the identity file "
                  + file
                  + " holds no age identity line (as age-keygen writes it)");
        }
        sources.add(new Source(key + " (file " + file + ")", readers));
      }
    }
    return new Identities(List.copyOf(sources));
  }

  private static final Pattern SECRET_FILE = Pattern.compile("\\$\\{file:(/[^}]+)}");

  /** The file of a value configured as {@code ${file:/path}} alone, else null. */
  static Path secretFile(String configured) {
    if (configured == null) {
      return null;
    }
    Matcher m = SECRET_FILE.matcher(configured.strip());
    return m.matches() ? Path.of(m.group(1)) : null;
  }

  /**
   * Refuses an identity file that users other than Lifeboat's may read or replace, as ssh refuses
   * an unprotected private key: a file Lifeboat's user owns grants nothing to its group or to
   * others (0600, 0400); a file another user owns (root sharing it with Lifeboat's group, 0640)
   * grants nothing to others. A file whose mode cannot be read is left to the read that follows.
   */
  static void requirePrivate(String key, Path file) {
    Set<PosixFilePermission> mode;
    boolean own;
    try {
      mode = Files.readAttributes(file, PosixFileAttributes.class).permissions();
      own = ownedByThisUser(file);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return;
    }
    boolean others =
        mode.contains(PosixFilePermission.OTHERS_READ)
            || mode.contains(PosixFilePermission.OTHERS_WRITE)
            || mode.contains(PosixFilePermission.OTHERS_EXECUTE);
    boolean group =
        mode.contains(PosixFilePermission.GROUP_READ)
            || mode.contains(PosixFilePermission.GROUP_WRITE)
            || mode.contains(PosixFilePermission.GROUP_EXECUTE);
    if (others || own && group) {
      throw new ConfigException(
          key,
          "the identity file "
              + file
              + " is open to other users (mode "
              + octal(mode)
              + "); Lifeboat does not use a secret key others may read or replace, as ssh refuses"
              + " an unprotected private key: run chmod "
              + (own ? "600 " : "o= ")
              + file
              + (own ? "" : " as its owner"));
    }
  }

  /** Whether the process's own user owns the file (unknown counts as yes: the stricter rule). */
  private static boolean ownedByThisUser(Path file) throws IOException {
    try {
      Object owner = Files.getAttribute(file, "unix:uid");
      return !(owner instanceof Integer uid)
          || uid == new com.sun.security.auth.module.UnixSystem().getUid();
    } catch (UnsupportedOperationException | IllegalArgumentException | LinkageError e) {
      return true;
    }
  }

  static String octal(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (PosixFilePermission p : permissions) {
      mode |= 1 << (8 - p.ordinal());
    }
    return String.format(java.util.Locale.ROOT, "%04o", mode);
  }

  private static RecipientStanzaReader reader(String where, String secret) {
    if (!secret.startsWith("AGE-SECRET-KEY-1")) {
      throw new ConfigException(
          where, "holds a line that is not an age X25519 identity (as age-keygen writes it)");
    }
    try {
      return X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(secret);
    } catch (GeneralSecurityException | RuntimeException e) {
      // the library's message is not shown: it might quote the key
      throw new ConfigException(
          where, "holds an age identity that is not valid (its checksum or length is wrong)");
    }
  }

  public boolean isEmpty() {
    return sources.isEmpty();
  }

  List<RecipientStanzaReader> readers() {
    return sources.stream().flatMap(s -> s.readers().stream()).toList();
  }

  /** Where the identities came from, for messages: never the keys themselves. */
  public List<String> describe() {
    return sources.stream().map(Source::description).toList();
  }

  @Override
  public String toString() {
    return "Identities" + describe();
  }
}
