package io.tiergate.gateway.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A cmdlet's parsed arguments, PowerShell style: {@code -Name value}, switches such as {@code
 * -Tiered}, names case-insensitive with one or two dashes, {@code -Name:value} accepted, and
 * GNU-style {@code --data-dir DIR} / {@code --data-dir=DIR} for the connection options.
 */
final class Args {
  private final Map<String, String> named = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();

  static String key(String option) {
    return option.replaceFirst("^-+", "").toLowerCase(Locale.ROOT).replace("-", "");
  }

  /** Parses {@code args} (without the cmdlet name) against the cmdlet's parameters. */
  static Args parse(List<String> args, Cmdlets.Cmdlet cmdlet) {
    Args a = new Args();
    for (int i = 0; i < args.size(); i++) {
      String s = args.get(i);
      if (!s.startsWith("-") || s.equals("-") || s.matches("-\\d.*")) {
        a.positional.add(s);
        continue;
      }
      String name = s;
      String value = null;
      int sep = s.indexOf(s.startsWith("--") ? '=' : ':');
      if (sep < 0 && s.startsWith("--")) {
        sep = -1;
      }
      if (sep > 0) {
        name = s.substring(0, sep);
        value = s.substring(sep + 1);
      }
      String k = key(name);
      Cmdlets.Param p = cmdlet.param(k);
      if (p == null) {
        throw new CliException(CliException.USAGE, "A parameter cannot be found that matches "
            + "parameter name '" + name.replaceFirst("^-+", "") + "'. Try: Get-Help "
            + cmdlet.name());
      }
      if (p.isSwitch()) {
        a.named.put(p.key(), value == null ? "true"
            : String.valueOf(!value.equalsIgnoreCase("false") && !value.equals("$false")));
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new CliException(CliException.USAGE, "Missing an argument for parameter '"
              + p.name() + "'. Specify a value of type " + p.type() + ".");
        }
        value = args.get(++i);
      }
      a.named.put(p.key(), value);
    }
    if (!a.positional.isEmpty()) {
      Cmdlets.Param first = cmdlet.positional();
      if (first == null || a.positional.size() > 1 || a.named.containsKey(first.key())) {
        throw new CliException(CliException.USAGE, "A positional parameter cannot be found "
            + "that accepts argument '" + a.positional.get(0) + "'.");
      }
      a.named.put(first.key(), a.positional.get(0));
    }
    for (Cmdlets.Param p : cmdlet.params()) {
      if (p.required() && !a.named.containsKey(p.key())) {
        throw new CliException(CliException.USAGE, cmdlet.name() + " needs -" + p.name()
            + ". Try: Get-Help " + cmdlet.name());
      }
    }
    return a;
  }

  String get(String key) {
    return named.get(key);
  }

  boolean has(String key) {
    return named.containsKey(key);
  }

  boolean flag(String key) {
    return "true".equals(named.get(key));
  }
}
