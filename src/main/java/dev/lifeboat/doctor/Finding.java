package dev.lifeboat.doctor;

/** One line of the doctor's answer: what was checked, how it came out, what was seen. */
public record Finding(String name, Status status, String detail) {

  public static Finding ok(String name, String detail) {
    return new Finding(name, Status.OK, detail);
  }

  public static Finding warn(String name, String detail) {
    return new Finding(name, Status.WARN, detail);
  }

  public static Finding fail(String name, String detail) {
    return new Finding(name, Status.FAIL, detail);
  }
}
