package dev.lifeboat.crypto;

import java.util.List;
import java.util.function.Supplier;

/**
 * The age keys of one target, from {@link Keys#forTarget}: the recipients its backups are encrypted
 * to, and the identities that open them, read from their files only when asked for.
 */
public final class TargetKeys {

  private final List<String> recipients;
  private final String identitiesKey;
  private final Supplier<Identities> identities;

  TargetKeys(List<String> recipients, String identitiesKey, Supplier<Identities> identities) {
    this.recipients = recipients;
    this.identitiesKey = identitiesKey;
    this.identities = identities;
  }

  /** The age public keys backups are encrypted to, validated (empty: not encrypted). */
  public List<String> recipients() {
    return recipients;
  }

  /** The key the identities are configured under, for messages. */
  public String identitiesKey() {
    return identitiesKey;
  }

  /**
   * The identities restore, drill and deep verify may use, read from their files at each call; an
   * unreadable one is an error naming it.
   */
  public Identities identities() {
    return identities.get();
  }
}
