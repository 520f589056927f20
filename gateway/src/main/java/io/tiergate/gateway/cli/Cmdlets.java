package io.tiergate.gateway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cmdlet table: every cmdlet's name, synopsis, parameters and examples, from which the
 * parser, {@code Get-Help} and the shell's completion all read. The actions live in {@link
 * Actions}.
 */
final class Cmdlets {
  private Cmdlets() {}

  /** What a cmdlet does when run. */
  @FunctionalInterface
  interface Action {
    int run(Context ctx, Args args);
  }

  /**
   * A parameter.
   *
   * @param name as shown ({@code ChunkSize})
   * @param type {@code String}, {@code Size}, {@code Int}, {@code String[]} or {@code Switch}
   * @param required whether the cmdlet needs it
   * @param positional whether a bare first argument fills it
   * @param help one line
   */
  record Param(String name, String type, boolean required, boolean positional, String help) {
    String key() {
      return Args.key(name);
    }

    boolean isSwitch() {
      return type.equals("Switch");
    }
  }

  /** A cmdlet. */
  record Cmdlet(String name, String synopsis, List<Param> params, List<String> examples,
      Action action) {
    Param param(String key) {
      for (Param p : params) {
        if (p.key().equals(key)) {
          return p;
        }
      }
      return null;
    }

    Param positional() {
      for (Param p : params) {
        if (p.positional()) {
          return p;
        }
      }
      return null;
    }
  }

  /** Parameters every cmdlet takes. */
  static final List<Param> COMMON = List.of(
      new Param("Json", "Switch", false, false, "print the API's JSON instead of a table"),
      new Param("data-dir", "String", false, false,
          "data directory of the local gateway (default ./tiergate-data)"),
      new Param("server", "String", false, false, "URL of a remote gateway's admin API"),
      new Param("token", "String", false, false, "API token for --server"),
      new Param("ca", "String", false, false, "certificate file to trust for --server"));

  static final List<Cmdlet> ALL = new ArrayList<>();

  /** Where an Azure credential comes from; secrets from files, stdin (-) or a prompt only. */
  private static final List<Param> AZURE_CREDENTIAL_PARAMS = List.of(
      p("ConnectionStringFile", "String", "file holding the Azure connection string ('-': "
          + "read it from standard input)"),
      p("StorageAccountName", "String", "storage account name (with an access key or SAS)"),
      p("StorageAccountKeyFile", "String", "file holding the access key ('-': standard input;"
          + " prompted for when missing)"),
      p("SasTokenFile", "String", "file holding a SAS token ('-': standard input)"),
      p("BlobEndpoint", "String", "blob service URL when not ACCOUNT.blob.core.windows.net"),
      p("Container", "String", "blob container (default tiergate)"));

  /** A cloud store: Azure credentials, or a local directory. */
  private static final List<Param> CREDENTIAL_PARAMS = concat(AZURE_CREDENTIAL_PARAMS,
      List.of(p("Directory", "String", "a local directory instead of Azure")));

  @SafeVarargs
  private static List<Param> concat(List<Param>... parts) {
    List<Param> all = new ArrayList<>();
    for (List<Param> p : parts) {
      all.addAll(p);
    }
    return List.copyOf(all);
  }

  private static Param p(String name, String type, String help) {
    return new Param(name, type, false, false, help);
  }

  private static Param req(String name, String type, String help) {
    return new Param(name, type, true, false, help);
  }

  private static Param pos(String name, String type, boolean required, String help) {
    return new Param(name, type, required, true, help);
  }

  private static void add(String name, String synopsis, List<Param> params,
      List<String> examples, Action action) {
    List<Param> all = new ArrayList<>(params);
    all.addAll(COMMON);
    ALL.add(new Cmdlet(name, synopsis, List.copyOf(all), examples, action));
  }

  static {
    add("Get-Volume", "Lists volumes, or shows one, with space usage and iSCSI target.",
        List.of(pos("Name", "String", false, "the volume to show")),
        List.of("./tiergate Get-Volume", "./tiergate Get-Volume -Name vol1 -Json"),
        Actions::getVolume);
    add("New-Volume", "Creates a thin volume, exported as its own iSCSI target, LUN 0.",
        List.of(req("Name", "String", "1-63 of a-z 0-9 . - (lower-cased)"),
            req("Size", "Size", "e.g. 100GiB"),
            p("ChunkSize", "Size", "dedup chunk size, 32KiB-256KiB (default 64KiB)"),
            p("Tiered", "Switch", "cold data may move to the cloud tier (the default)"),
            p("Pinned", "Switch", "keep every chunk on local disk"),
            p("Acl", "String[]", "initiator IQNs allowed in, comma-separated (default: any)"),
            p("ChapUser", "String", "CHAP user name the initiator must present"),
            p("ChapSecret", "String", "CHAP secret, 12-16 characters"),
            p("MutualChapUser", "String", "name the target answers mutual CHAP with"),
            p("MutualChapSecret", "String", "mutual CHAP secret, 12-16 characters")),
        List.of("./tiergate New-Volume -Name vol1 -Size 100GiB -Tiered",
            "./tiergate New-Volume -Name db -Size 500GiB -Pinned -ChunkSize 32KiB "
                + "-Acl iqn.1994-05.com.redhat:db1 -ChapUser db1 -ChapSecret 'twelve chars!'"),
        Actions::newVolume);
    add("Set-Volume", "Grows a volume, or sets its initiator allow list or CHAP.",
        List.of(pos("Name", "String", true, "the volume"),
            p("Size", "Size", "new size (volumes only grow)"),
            p("Acl", "String[]", "initiator IQNs allowed in, comma-separated; 'any' for all"),
            p("ChapUser", "String", "CHAP user name"), p("ChapSecret", "String", "CHAP secret"),
            p("MutualChapUser", "String", "mutual CHAP name"),
            p("MutualChapSecret", "String", "mutual CHAP secret"),
            p("NoChap", "Switch", "turn CHAP off")),
        List.of("./tiergate Set-Volume -Name vol1 -Size 200GiB",
            "./tiergate Set-Volume vol1 -Acl iqn.1994-05.com.redhat:web1,iqn.1994-05.com.redhat:web2",
            "./tiergate Set-Volume vol1 -NoChap"),
        Actions::setVolume);
    add("Remove-Volume", "Deletes a volume and releases its space.",
        List.of(pos("Name", "String", true, "the volume"),
            p("Force", "Switch", "delete even while iSCSI sessions are logged in")),
        List.of("./tiergate Remove-Volume -Name vol1", "./tiergate Remove-Volume vol1 -Force"),
        Actions::removeVolume);
    add("New-Snapshot", "Takes a local snapshot of a volume, or of several at one instant "
        + "(a consistency group); instant whatever the volumes' sizes.",
        List.of(pos("Volume", "String[]", true, "the volume, or volumes comma-separated"),
            p("Description", "String", "a note kept with the snapshot (at most 1024 characters)")),
        List.of("./tiergate New-Snapshot -Volume vol1 -Description 'before the upgrade'",
            "./tiergate New-Snapshot -Volume db,logs -Json"),
        SnapshotActions::newSnapshot);
    add("Get-Snapshot", "Lists local snapshots (of one volume with -Volume), or shows one.",
        List.of(p("Volume", "String", "only this volume's snapshots"),
            pos("Id", "String", false, "the snapshot to show, with the space only it holds")),
        List.of("./tiergate Get-Snapshot", "./tiergate Get-Snapshot -Volume vol1",
            "./tiergate Get-Snapshot -Id 12 -Json"),
        SnapshotActions::getSnapshot);
    add("Remove-Snapshot", "Deletes a snapshot; refused while a clone has it as origin.",
        List.of(pos("Id", "String", true, "the snapshot id (Get-Snapshot)")),
        List.of("./tiergate Remove-Snapshot -Id 12"), SnapshotActions::removeSnapshot);
    add("New-VolumeClone", "Creates a writable volume from a snapshot, exported at once as its "
        + "own iSCSI target; instant, no data is copied.",
        List.of(req("Snapshot", "String", "the origin snapshot id (Get-Snapshot)"),
            req("Name", "String", "the new volume: 1-63 of a-z 0-9 . - (lower-cased)"),
            p("Acl", "String[]", "initiator IQNs allowed in, comma-separated; 'any' for all "
                + "(-Acl or CHAP is required: a clone is never open by default)"),
            p("ChapUser", "String", "CHAP user name the initiator must present"),
            p("ChapSecret", "String", "CHAP secret, 12-16 characters"),
            p("MutualChapUser", "String", "name the target answers mutual CHAP with"),
            p("MutualChapSecret", "String", "mutual CHAP secret, 12-16 characters")),
        List.of("./tiergate New-VolumeClone -Snapshot 12 -Name vol1-test "
                + "-Acl iqn.1994-05.com.redhat:test1",
            "./tiergate New-VolumeClone -Snapshot 12 -Name vol1-any -Acl any"),
        SnapshotActions::newClone);
    add("Restore-Volume", "Puts a volume back to one of its snapshots, after taking a snapshot "
        + "of its current state (named in the answer, to undo the restore).",
        List.of(pos("Name", "String", true, "the volume"),
            req("Snapshot", "String", "the snapshot id (Get-Snapshot -Volume NAME)"),
            p("Force", "Switch", "restore even while iSCSI sessions are logged in (they are "
                + "closed)")),
        List.of("./tiergate Restore-Volume -Name vol1 -Snapshot 12",
            "./tiergate Restore-Volume vol1 -Snapshot 12 -Force"),
        SnapshotActions::restoreVolume);
    add("Get-ApplianceStatus", "Shows capacity, dedup and compression, cache, cloud and sessions.",
        List.of(), List.of("./tiergate Get-ApplianceStatus", "./tiergate Get-ApplianceStatus -Json"),
        Actions::status);
    add("Get-Event", "Shows recent events, alerts and the audit trail, newest first.",
        List.of(p("Limit", "Int", "how many (default 20, at most 1000)"),
            p("Severity", "String", "info, warning or error: that or worse"),
            p("Category", "String", "audit, security, system, iscsi, ...")),
        List.of("./tiergate Get-Event -Limit 50", "./tiergate Get-Event -Severity warning"),
        Actions::events);
    add("Set-Passphrase", "Changes the passphrase that unlocks the keys (re-wraps; data untouched).",
        List.of(p("CurrentPassphrase", "String", "prompted for when missing"),
            p("NewPassphrase", "String", "prompted for twice when missing")),
        List.of("./tiergate Set-Passphrase"), Actions::setPassphrase);
    add("Set-AdminPassword", "Changes the admin password (ends every login session).",
        List.of(p("CurrentPassword", "String", "not needed for local administration"),
            p("NewPassword", "String", "at least 12 characters; prompted for when missing")),
        List.of("./tiergate Set-AdminPassword"), Actions::setAdminPassword);
    add("Invoke-KeyRotation", "Adds a new data key; new packs are encrypted with it.",
        List.of(), List.of("./tiergate Invoke-KeyRotation"), Actions::rotateKey);
    add("New-ApiToken", "Creates an API token for scripts (shown once).",
        List.of(pos("Name", "String", true, "a label"),
            p("ReadOnly", "Switch", "may only read (for monitoring and /metrics)")),
        List.of("./tiergate New-ApiToken -Name prometheus -ReadOnly"), Actions::newToken);
    add("Get-ApiToken", "Lists API tokens (never the tokens themselves).", List.of(),
        List.of("./tiergate Get-ApiToken"), Actions::getTokens);
    add("Remove-ApiToken", "Revokes an API token.",
        List.of(pos("Id", "String", true, "token id from Get-ApiToken")),
        List.of("./tiergate Remove-ApiToken tok-0123456789ab"), Actions::removeToken);
    add("Export-SupportPackage", "Saves logs, settings and a metrics snapshot, secrets redacted.",
        List.of(pos("Path", "String", false, "zip file to write (default: in the current directory)")),
        List.of("./tiergate Export-SupportPackage -Path /tmp/support.zip"),
        Actions::supportPackage);
    add("Connect-Appliance", "Logs in to a gateway and saves the session in ~/.tiergate/profile.json.",
        List.of(req("Server", "String", "admin URL, e.g. https://gw1:8080"),
            p("CertificateFile", "String", "the gateway's certificate (admin/tls.crt) to trust"),
            p("Password", "String", "prompted for when missing")),
        List.of("./tiergate Connect-Appliance -Server https://gw1:8080 -CertificateFile gw1.crt"),
        Actions::connect);
    add("Set-CloudCredential", "Sets or rotates the cloud storage account credentials: tested "
        + "first, refused when the account does not hold this appliance's data, then used at "
        + "once and kept for restarts.", CREDENTIAL_PARAMS,
        List.of("./tiergate Set-CloudCredential -ConnectionStringFile azure.txt -Container tiergate",
            "./tiergate Set-CloudCredential -StorageAccountName contoso -Container tiergate"
                + "   (prompts for the access key)",
            "cat key.txt | ./tiergate Set-CloudCredential -StorageAccountName contoso "
                + "-StorageAccountKeyFile - -Container tiergate",
            "./tiergate Set-CloudCredential -SasTokenFile sas.txt -StorageAccountName contoso "
                + "-Container tiergate",
            "./tiergate Set-CloudCredential -Directory /srv/tiergate-cloud"),
        Actions::setCloudCredential);
    add("Test-CloudConnection", "Checks reachability, authentication and the container; with "
        + "credentials, tests those without using them.", CREDENTIAL_PARAMS,
        List.of("./tiergate Test-CloudConnection",
            "./tiergate Test-CloudConnection -ConnectionStringFile new-key.txt -Container tiergate"),
        Actions::testCloud);
    add("Set-BandwidthLimit", "Sets the default upload bandwidth limit (the schedule's rules "
        + "override it while they are in force).",
        List.of(pos("Limit", "String", true, "e.g. 20MB/s, or 0 for none")),
        List.of("./tiergate Set-BandwidthLimit -Limit 20MB/s"),
        Actions.cloud("PUT", "/api/v1/cloud/bandwidth"));
    add("Set-BandwidthSchedule", "Sets the weekly upload bandwidth schedule; outside its rules "
        + "the Set-BandwidthLimit default applies.",
        List.of(pos("Rule", "String", false, "rules 'DAYS START-END LIMIT', separated by ';'. "
                + "DAYS: Mon,Tue / Mon-Fri / Weekdays / Weekend / Daily; an END not after "
                + "START runs past midnight; LIMIT: 10MB/s or unlimited"),
            p("File", "String", "JSON file with a list of {days, start, end, limit}"),
            p("Clear", "Switch", "remove every rule")),
        List.of("./tiergate Set-BandwidthSchedule -Rule 'Mon-Fri 09:00-17:00 10MB/s'",
            "./tiergate Set-BandwidthSchedule -Rule 'Weekdays 08:00-18:00 5MB/s; "
                + "Weekdays 22:00-06:00 unlimited; Weekend 00:00-24:00 50MB/s'",
            "./tiergate Set-BandwidthSchedule -File schedule.json",
            "./tiergate Set-BandwidthSchedule -Clear"),
        Actions::setBandwidthSchedule);
    add("Get-BandwidthSchedule", "Shows the weekly bandwidth schedule and the limit in force.",
        List.of(), List.of("./tiergate Get-BandwidthSchedule",
            "./tiergate Get-BandwidthSchedule -Json"), Actions::getBandwidthSchedule);
    add("Start-CloudSync", "Uploads every dirty chunk now.",
        List.of(p("Wait", "Switch", "follow the sync, printing its progress, until it has "
            + "finished")),
        List.of("./tiergate Start-CloudSync -Wait"), Actions::startCloudSync);
    add("Clear-Cache", "Evicts every clean chunk from local disk (cold reads come from the cloud).",
        List.of(), List.of("./tiergate Clear-Cache"), Actions.cloud("POST", "/api/v1/cloud/evict"));
    add("Invoke-SetupWizard", "First-boot setup: admin password, passphrase, cloud tier "
        + "(tested before it is saved), network settings.",
        concat(List.of(p("AdminPassword", "String", "admin password (12+ characters)"),
            p("Passphrase", "String", "passphrase that protects every key"),
            p("PassphraseFile", "String", "where to keep the passphrase (default DATA/passphrase)"),
            p("IscsiListen", "String", "iSCSI portal host:port (default 0.0.0.0:3260)"),
            p("AdminListen", "String", "admin API host:port (default 127.0.0.1:8080)"),
            p("Cloud", "String", "Local (a directory, the default) or Azure"),
            p("CloudDirectory", "String", "directory for -Cloud Local (default DATA/cloud)")),
            AZURE_CREDENTIAL_PARAMS,
            List.of(p("NonInteractive", "Switch", "never prompt; fail when a value is missing"))),
        List.of("./tiergate setup",
            "./tiergate Invoke-SetupWizard -AdminPassword '...' -Passphrase '...' "
                + "-IscsiListen 0.0.0.0:3260 -AdminListen 0.0.0.0:8443 -NonInteractive",
            "./tiergate setup -AdminPassword '...' -Passphrase '...' -Cloud Azure "
                + "-ConnectionStringFile /root/azure.txt -Container tiergate -NonInteractive"),
        SetupWizard::run);
    add("Get-Help", "Shows the cmdlets, or one cmdlet's parameters and examples.",
        List.of(pos("Name", "String", false, "a cmdlet")),
        List.of("./tiergate Get-Help", "./tiergate Get-Help New-Volume"), Actions::help);
  }

  /** The cmdlet of that name, case-insensitive, or null. */
  static Cmdlet find(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (Cmdlet c : ALL) {
      if (c.name().toLowerCase(Locale.ROOT).equals(n)) {
        return c;
      }
    }
    return null;
  }
}
