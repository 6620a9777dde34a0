# Ember login hook for /etc/profile.d/ember.sh: an interactive login on tty1 or over SSH lands in
# Ember's tmux session (`ember tmux`). Detaching returns to this shell.
#   EMBER_SKIP_AUTO_TMUX=1  keep a plain login shell
#   EMBER_BIN               the ember command (default: `ember` on PATH)
# Never runs inside tmux ($TMUX set), for non-interactive shells, or elsewhere than tty1/SSH.
# Sourced by sh, ash, bash and zsh: POSIX only, no `exit` (it would end the login).

case $- in
*i*)
  if [ -z "${TMUX:-}" ] && [ "${EMBER_SKIP_AUTO_TMUX:-0}" != 1 ]; then
    _ember_tty=$(tty 2>/dev/null || true)
    if [ "$_ember_tty" = /dev/tty1 ] || [ -n "${SSH_TTY:-}" ]; then
      if command -v "${EMBER_BIN:-ember}" >/dev/null 2>&1; then
        "${EMBER_BIN:-ember}" tmux
      fi
    fi
    unset _ember_tty
  fi
  ;;
esac
