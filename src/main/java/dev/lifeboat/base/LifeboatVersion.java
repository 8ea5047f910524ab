package dev.lifeboat.base;

/** The version of this build, from the jar manifest ("dev" when run from classes). */
public final class LifeboatVersion {

  private LifeboatVersion() {}

  public static String get() {
    String v = LifeboatVersion.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
