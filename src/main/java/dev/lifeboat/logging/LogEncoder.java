package dev.lifeboat.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import org.springframework.boot.logging.logback.StructuredLogEncoder;

/**
 * Lifeboat's log lines on stderr: Spring Boot's structured format (JSON lines) when {@code
 * logging.structured.format.console} names one (ecs, logstash, gelf), else the plain pattern. Our
 * own logback configuration keeps stdout for command output, so Boot's switch is made here.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {

  private String structured = "";
  private String pattern = "%msg%n";
  private Encoder<ILoggingEvent> delegate;

  public void setStructured(String structured) {
    this.structured = structured == null ? "" : structured.trim();
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  @Override
  public void start() {
    if (!structured.isEmpty()) {
      StructuredLogEncoder json = new StructuredLogEncoder();
      json.setContext(getContext());
      json.setFormat(structured);
      json.setCharset(StandardCharsets.UTF_8);
      delegate = json;
    } else {
      PatternLayoutEncoder plain = new PatternLayoutEncoder();
      plain.setContext(getContext());
      plain.setPattern(pattern);
      plain.setCharset(StandardCharsets.UTF_8);
      delegate = plain;
    }
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
