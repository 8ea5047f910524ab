package dev.lifeboat.store;

import dev.lifeboat.base.LifeboatException;

/** A store operation failed; the message names the store and says what to do. */
public class StoreException extends LifeboatException {

  /** Why it failed, so callers can react (fall back, report, exit code). */
  public enum Kind {
    NOT_FOUND,
    UNAVAILABLE,
    ACCESS_DENIED,
    NO_SPACE,
    OTHER
  }

  private final String store;
  private final Kind kind;

  public StoreException(String store, Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.store = store;
    this.kind = kind;
  }

  public StoreException(String store, Kind kind, String message) {
    this(store, kind, message, null);
  }

  public String store() {
    return store;
  }

  public Kind kind() {
    return kind;
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
