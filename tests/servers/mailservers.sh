#!/usr/bin/env bash
# Private mail servers for the network tests: start|stop BUILD_DIR (a CTest fixture,
# tests/CMakeLists.txt). Everything lives in BUILD_DIR/mailservers: a self-signed test
# certificate made here with openssl (never committed), Dovecot (IMAP/POP3) with the
# configuration of dovecot.conf.in, the aiosmtpd server of smtpd.py delivering into Dovecot's
# Maildir folders, and the fault proxy. Only 127.0.0.1. Ports: a base derived from the build
# folder's path (two build folders never collide), written to ports.ini for the tests.
set -euo pipefail
cmd=$1
build=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
d=$build/mailservers
py=/usr/bin/python3

stop() {
  [ -f "$d/dovecot.conf" ] && dovecot -c "$d/dovecot.conf" stop 2>/dev/null || true
  for p in smtpd faultproxy; do
    if [ -f "$d/$p.pid" ]; then kill "$(cat "$d/$p.pid")" 2>/dev/null || true; rm -f "$d/$p.pid"; fi
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi

stop
rm -rf "$d"
mkdir -p "$d/run" "$d/state" "$d/mail"
base=$((20000 + $(printf '%s' "$build" | cksum | cut -d' ' -f1) % 400 * 20))
smtp=$base; sub=$((base + 1)); smtps=$((base + 2)); pop3=$((base + 3)); pop3s=$((base + 4))
imap=$((base + 5)); imaps=$((base + 6)); proxy=$((base + 7)); control=$((base + 8))

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
thumb=$(openssl x509 -in "$d/cert.pem" -outform DER | sha256sum | cut -d' ' -f1)
thumb1=$(openssl x509 -in "$d/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
printf 'alice:{PLAIN}alice-pw\nbob:{PLAIN}bob-pw\ncarol:{PLAIN}carol-pw\n' > "$d/users"
for u in alice bob carol; do mkdir -p "$d/mail/$u/new" "$d/mail/$u/cur" "$d/mail/$u/tmp"; done
# Dovecot refuses to run mail processes as root: the mail folders belong to its own user
# (smtpd.py, running as root, writes world-readable files into them)
mailuser=${TANDEM_MAIL_USER:-dovecot}
chown -R "$mailuser:" "$d/mail"
sed -e "s#@DIR@#$d#g" -e "s/@PORTBASE@/$base/g" -e "s/@IMAP@/$imap/" -e "s/@IMAPS@/$imaps/" \
    -e "s/@POP3@/$pop3/" -e "s/@POP3S@/$pop3s/" -e "s/@UID@/$(id -u "$mailuser")/" -e "s/@GID@/$(id -g "$mailuser")/" \
    "$here/dovecot.conf.in" > "$d/dovecot.conf"
dovecot -c "$d/dovecot.conf" < /dev/null > "$d/dovecot.out" 2>&1
setsid $py "$here/smtpd.py" "$d" $smtp $sub $smtps > "$d/smtpd.out" 2>&1 < /dev/null &
echo $! > "$d/smtpd.pid"
setsid $py "$here/faultproxy.py" "$d" $proxy $smtp $control > "$d/faultproxy.out" 2>&1 < /dev/null &
echo $! > "$d/faultproxy.pid"
cat > "$d/ports.ini" <<INI
[servers]
smtp=$smtp
submission=$sub
smtps=$smtps
pop3=$pop3
pop3s=$pop3s
imap=$imap
imaps=$imaps
proxy=$proxy
control=$control
sha256=$thumb
sha1=$thumb1
maildir=$d/mail
INI
# wait (at most 10 s) until every listener answers
for i in $(seq 100); do
  ok=1
  for p in $smtp $sub $smtps $pop3 $pop3s $imap $imaps $proxy $control; do
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { ok=0; break; }
  done
  [ $ok = 1 ] && [ -f "$d/smtpd.ready" ] && { echo "mail servers up on 127.0.0.1:$base.."; exit 0; }
  sleep 0.1
done
echo "mail servers did not start" >&2
cat "$d/smtpd.out" "$d/dovecot.log" >&2 2>/dev/null || true
stop
exit 1
