package dev.lifeboat.crypto;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The age format (age-encryption.org/v1) through jagged's streaming channels: X25519 recipients
 * only. Wraps any stored object (the dump, and any other object a backup stores) the same way.
 */
public final class Age {

  /** Every age file starts with this line. */
  public static final String HEADER_LINE = "age-encryption.org/v1";

  /** The manifest's word for the format. */
  public static final String FORMAT = "age";

  private static final Pattern RECIPIENT = Pattern.compile("age1[02-9ac-hj-np-z]{58}");

  private Age() {}

  /**
   * Null when {@code recipient} is a valid X25519 age public key, else why not (never echoing
   * anything that might be a secret pasted by mistake).
   */
  public static String recipientProblem(String recipient) {
    if (recipient == null || recipient.isBlank()) {
      return "is empty";
    }
    if (recipient.strip().startsWith("AGE-SECRET-KEY-")) {
      return "is a secret key (an identity); put only public keys (age1...) here and keep the"
          + " identity off the backup host";
    }
    if (!RECIPIENT.matcher(recipient.strip()).matches()) {
      return "is not an age X25519 public key (age1 followed by 58 characters, as printed by"
          + " age-keygen -y)";
    }
    try {
      X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(recipient.strip());
      return null;
    } catch (GeneralSecurityException | RuntimeException e) {
      return "is not a valid age public key (its checksum or length is wrong)";
    }
  }

  /**
   * {@code out} itself when there are no recipients, else {@link #encrypting}: one way to store any
   * object of a backup (the dump, and any file stored beside it) encrypted or not.
   */
  public static OutputStream wrap(OutputStream out, List<String> recipients) throws IOException {
    return recipients == null || recipients.isEmpty() ? out : encrypting(out, recipients);
  }

  /**
   * Encrypts everything written to the returned stream to {@code recipients} and writes it to
   * {@code out}; closing the returned stream writes the last chunk and closes {@code out}.
   */
  public static OutputStream encrypting(OutputStream out, List<String> recipients)
      throws IOException {
    List<RecipientStanzaWriter> writers = new ArrayList<>();
    try {
      for (String r : recipients) {
        writers.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(r.strip()));
      }
      return Channels.newOutputStream(
          new StandardEncryptingChannelFactory()
              .newEncryptingChannel(Channels.newChannel(out), writers));
    } catch (GeneralSecurityException e) {
      throw new IOException("age encryption could not start: " + e.getClass().getSimpleName());
    }
  }

  /** The file key could not be opened by any of the identities. */
  public static final class NoMatchingIdentity extends Exception {
    NoMatchingIdentity() {
      super("none of the identities opens it", null, false, false);
    }
  }

  /** Not an age file at all (or a damaged header). */
  public static final class NotAge extends IOException {
    NotAge(String message) {
      super(message);
    }
  }

  /**
   * Decrypts {@code in}: reads and checks the header at once (so a wrong identity is known before a
   * byte of payload is read), then streams the payload. A damaged payload fails the read.
   */
  public static InputStream decrypting(InputStream in, Identities identities)
      throws IOException, NoMatchingIdentity {
    byte[] start = in.readNBytes(HEADER_LINE.length() + 1);
    if (!Arrays.equals(start, (HEADER_LINE + "\n").getBytes(StandardCharsets.US_ASCII))) {
      throw new NotAge("it is not an age-encrypted file (no age header)");
    }
    InputStream whole =
        new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(start), in);
    List<RecipientStanzaReader> readers = identities.readers();
    try {
      return Channels.newInputStream(
          new StandardDecryptingChannelFactory()
              .newDecryptingChannel(Channels.newChannel(whole), readers));
    } catch (GeneralSecurityException e) {
      throw new NoMatchingIdentity();
    }
  }

  /** True when {@code start} begins with the age header line. */
  public static boolean isAge(byte[] start) {
    byte[] h = HEADER_LINE.getBytes(StandardCharsets.US_ASCII);
    return start.length >= h.length && Arrays.equals(Arrays.copyOf(start, h.length), h);
  }
}
