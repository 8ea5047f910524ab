package dev.lifeboat.run;

/**
 * A drill of {@code backup} ({@code latest} or an id; the door records the id) of {@code target};
 * {@code keep} keeps the scratch database for a look afterwards; {@code unsigned} says what becomes
 * of a backup no trusted key signed.
 */
public record DrillRequest(String target, String backup, boolean keep, Unsigned unsigned)
    implements Request<DrillReport> {

  /** What becomes of a backup no trusted key signed. */
  public enum Unsigned {
    /** Refused before anything is recorded (exit 2): a drill typed on the command line. */
    REFUSED,
    /** The run fails, recorded and notified: a scheduled drill, which no one is there to ask. */
    FAILS,
    /**
     * Drilled ({@code --allow-unsigned}) unless its signature is invalid: restored only as a role
     * without SUPERUSER, never marked verified.
     */
    ALLOWED
  }

  /** A drill typed on the command line or asked by another verb. */
  public static DrillRequest typed(
      String target, String backup, boolean keep, boolean allowUnsigned) {
    return new DrillRequest(
        target,
        backup == null ? "latest" : backup,
        keep,
        allowUnsigned ? Unsigned.ALLOWED : Unsigned.REFUSED);
  }

  /** What the {@code drill} schedule asks: the latest backup, scratch database dropped. */
  public static DrillRequest scheduled(String target) {
    return new DrillRequest(target, "latest", false, Unsigned.FAILS);
  }

  /** The same drill of the backup {@code id} (what {@code latest} was when it was asked). */
  public DrillRequest of(String id) {
    return new DrillRequest(target, id, keep, unsigned);
  }
}
