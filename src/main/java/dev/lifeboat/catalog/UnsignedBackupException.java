package dev.lifeboat.catalog;

import dev.lifeboat.base.LifeboatException;

/**
 * A backup whose manifest no trusted key signed (or whose signature does not match) was to be
 * restored, drilled or verified: refused before anything is touched, exit 2.
 */
class UnsignedBackupException extends LifeboatException {

  UnsignedBackupException(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return USAGE;
  }
}
