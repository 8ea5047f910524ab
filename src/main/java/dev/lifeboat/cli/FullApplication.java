package dev.lifeboat.cli;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The application every command but the read-only ones starts ({@link ReadOnlyApplication} is the
 * smaller one): everything under {@code dev.lifeboat}, found by the component scan, with Spring
 * Boot's auto-configuration. It lives here, not beside {@code main}, so that the root package holds
 * {@code main} only and nothing depends on it.
 */
@SpringBootApplication(scanBasePackages = "dev.lifeboat")
class FullApplication {}
