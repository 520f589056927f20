/**
 * The admin CLI: PowerShell-style cmdlets ({@code Get-Volume}, {@code New-Volume -Name vol1
 * -Size 100GiB -Tiered}, ...) over the REST API, with table output or {@code -Json}, an
 * interactive shell with history and completion (JLine) and the first-boot setup wizard.
 * {@link io.tiergate.gateway.cli.Cli} is the entry point that {@code ./tiergate} routes
 * Verb-Noun commands to; this package is where the admin CLI writes to standard output.
 */
package io.tiergate.gateway.cli;
