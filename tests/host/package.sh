#!/bin/sh
# The Debian packages, built and installed for real:
#  1. `dpkg-buildpackage -us -uc -b` of a copy of the checkout's files (what
#     a fresh clone has, no build/) in a fresh Debian 12: a debootstrap
#     (buildd variant: build-essential) cached in $EXITTOP_CACHE, used
#     through an overlay so it stays pristine, plus `apt-get build-dep`, i.e.
#     the Build-Depends and nothing else: exittop, exitgen, exitcpuid .debs
#     whose version is debian/changelog's;
#  2. lintian at its default level: no error, no warning (overrides only in
#     debian/*.lintian-overrides, each with its reason);
#  3. `apt-get install ./exittop_*.deb ...` in a chroot: an overlay of this
#     host's root (so the run-time dependencies are there and nothing touches
#     the host): exittop --version is the changelog's, `man exittop` shows
#     the page, bash completions load, /etc/default/exittop is a conffile;
#  4. systemd as PID 1 (systemd-nspawn --boot on that root): `systemctl cat
#     exittop` shows the unit, `systemctl is-enabled` says disabled;
#  5. `apt-get purge`: every path the packages (or their maintainer scripts)
#     created is gone and no host file was removed: the overlay's upper layer
#     holds nothing but the package manager's own records.
# Runs in a private mount namespace: its mounts vanish with it.
# Exit 0 pass, 77 skip (with the reason), 1 fail. About 2.5 minutes (build
# with build-dep 90 s, lintian 35 s, install/boot/purge 20 s on 2 busy
# cores); the first run adds the debootstrap (5 min, 600 MB in the cache).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/host/test-lib.sh

[ "$(id -u)" = 0 ] || skip "needs root (overlay mounts, chroot, systemd-nspawn)"
for t in git debootstrap dpkg-parsechangelog lintian unshare chroot systemd-nspawn man flock; do
	command -v $t >/dev/null || skip "$t not installed (scripts/deps.sh test)"
done
if [ -z "${EXITTOP_PKG_NS:-}" ]; then
	EXITTOP_PKG_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

version=$(dpkg-parsechangelog -l debian/changelog -S Version) || { fail "debian/changelog unreadable"; exit 1; }
tmp=$(mktemp -d /tmp/exittop-pkg.XXXXXX) || exit 1
trap 'cd /; umount -R "$tmp/ov" "$tmp/build/root" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# ---- 1. build in a fresh Debian 12 ----
cache=${EXITTOP_CACHE:-/var/cache/exittop}/pkg-bookworm-buildd
mirror=http://deb.debian.org/debian
recipe="debootstrap --variant=buildd bookworm $mirror"
mkdir -p "$cache/archives/partial" "$cache/lists/partial" || { fail "cannot create $cache"; exit 1; }
(
	flock 9
	[ "$(cat "$cache/stamp" 2>/dev/null)" = "$recipe" ] && exit 0
	echo "creating $cache/root: $recipe (once; about 5 min)"
	rm -rf "$cache/root" "$cache"/root.tmp.*
	timeout 1500 debootstrap --variant=buildd bookworm "$cache/root.tmp.$$" "$mirror" \
		>"$cache/debootstrap.log" 2>&1 &&
		mv "$cache/root.tmp.$$" "$cache/root" && echo "$recipe" >"$cache/stamp"
) 9>"$cache.lock" || { fail "debootstrap: $(tail -5 "$cache/debootstrap.log")"; exit 1; }
# a disk directory for the upper layer: build-dep installs some 500 MB
b=$tmp/build
mkdir -p "$b/upper" "$b/work" "$b/root"
mount -t overlay overlay -o "lowerdir=$cache/root,upperdir=$b/upper,workdir=$b/work" "$b/root" &&
	mount -t proc proc "$b/root/proc" && mount --bind /dev "$b/root/dev" &&
	mount --bind "$cache/archives" "$b/root/var/cache/apt/archives" &&
	mount --bind "$cache/lists" "$b/root/var/lib/apt/lists" &&
	cp /etc/resolv.conf "$b/root/etc/resolv.conf" || { fail "build chroot on $b/root"; exit 1; }
mkdir "$b/root/build" "$b/root/build/src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$b/root/build/src" -xf - ||
	{ fail "copy of the checkout"; exit 1; }
s=$(date +%s)
if chroot "$b/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive sh -c 'cd /build/src && apt-get update -qq &&
		timeout 900 apt-get build-dep -y -qq ./' >"$tmp/build-dep.log" 2>&1; then
	pass "apt-get build-dep in a fresh Debian 12 (debootstrap buildd): $(grep -c '^Setting up' "$tmp/build-dep.log") packages ($(($(date +%s) - s)) s)"
else
	fail "apt-get build-dep: $(tail -10 "$tmp/build-dep.log")"
	exit 1
fi
s=$(date +%s)
if chroot "$b/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/build \
	sh -c 'cd /build/src && timeout 900 nice dpkg-buildpackage -us -uc -b' >"$tmp/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b there ($(($(date +%s) - s)) s)"
else
	fail "dpkg-buildpackage: $(tail -15 "$tmp/build.log")"
	exit 1
fi
cp "$b/root/build/"*.deb "$b/root/build/"*.changes "$b/root/build/"*.buildinfo "$tmp/" ||
	{ fail "no .deb built"; exit 1; }
umount "$b/root/var/lib/apt/lists" "$b/root/var/cache/apt/archives" "$b/root/dev" "$b/root/proc" "$b/root"
rm -rf "$b"
debs=""
for p in exittop exitgen exitcpuid; do
	d=$tmp/${p}_${version}_amd64.deb
	if [ -f "$d" ] && [ "$(dpkg-deb -f "$d" Version)" = "$version" ]; then
		pass "$p ${version}: $(dpkg-deb -c "$d" | grep -c '^-') files, Depends: $(dpkg-deb -f "$d" Depends)"
		debs="$debs ./${p}_${version}_amd64.deb"
	else
		fail "no $d of version $version: $(ls "$tmp")"
	fi
done

# ---- 2. lintian ----
s=$(date +%s)
timeout 600 lintian --fail-on error,warning "$tmp"/exittop_"${version}"_amd64.changes >"$tmp/lintian.log" 2>&1
rc=$?
tags=$(grep -E '^[EW]: ' "$tmp/lintian.log")
if [ $rc = 0 ] && [ -z "$tags" ]; then
	pass "lintian: no errors or warnings ($(($(date +%s) - s)) s)"
else
	fail "lintian (exit $rc): $(cat "$tmp/lintian.log")"
fi

# ---- 3. install in a chroot: an overlay of / ----
# The upper layer lives on its own tmpfs: overlayfs refuses an upper
# directory inside its lower one.
mkdir "$tmp/ov" && mount -t tmpfs tmpfs "$tmp/ov" || { fail "tmpfs for the overlay"; exit 1; }
up=$tmp/ov/upper root=$tmp/ov/root
mkdir "$up" "$tmp/ov/work" "$tmp/ov/work2" "$tmp/ov/upper2" "$root"
ov_mount() { # mount the chroot with the run-time file systems
	mount -t overlay overlay -o "lowerdir=/,upperdir=$up,workdir=$tmp/ov/work" "$root" &&
		mount -t proc proc "$root/proc" && mount -t tmpfs tmpfs "$root/tmp" &&
		mount -t tmpfs tmpfs "$root/run" && mount --bind /dev "$root/dev"
}
ov_umount() {
	umount "$root/dev" "$root/run" "$root/tmp" "$root/proc" "$root"
}
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

ov_mount || { fail "overlay of / on $root"; exit 1; }
cp "$tmp"/*.deb "$root/tmp/"
# shellcheck disable=SC2086 # list of packages
if in_root sh -c "cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y $debs" >"$tmp/install.log" 2>&1; then
	pass "apt-get install$debs (chroot on an overlay of /)"
else
	fail "apt-get install: $(tail -15 "$tmp/install.log")"
	exit 1
fi
v=$(in_root exittop --version 2>&1)
[ "$v" = "exittop $version" ] && pass "installed exittop --version: $v" || fail "exittop --version: '$v' (want 'exittop $version')"
in_root exitgen --help >/dev/null 2>&1 && pass "installed exitgen --help runs" || fail "exitgen --help"
in_root exitcpuid --help >/dev/null 2>&1 && pass "installed exitcpuid --help runs" || fail "exitcpuid --help"
# MANWIDTH other than 80: man-db keeps no formatted copy in /var/cache/man
m=$(in_root env MANWIDTH=100 man -P cat exittop 2>&1)
case "$m" in
*"exittop - top-like monitor"*exittop_exit_latency_seconds*) pass "man exittop: $(echo "$m" | wc -l) lines" ;;
*) fail "man exittop: $(echo "$m" | head -5)" ;;
esac
for c in exittop exitgen exitcpuid; do
	r=$(in_root bash -c ". /usr/share/bash-completion/completions/$c && complete -p $c" 2>&1)
	[ "$r" = "complete -F _$c $c" ] && pass "bash completion of $c loads" || fail "completion of $c: $r"
done
cf=$(in_root dpkg-query -W -f='${Conffiles}' exittop)
case "$cf" in
*/etc/default/exittop*) pass "/etc/default/exittop is a conffile" ;;
*) fail "conffiles of exittop: '$cf'" ;;
esac
if in_root promtool check rules /usr/share/doc/exittop/examples/exittop-rules.yml >/dev/null 2>&1 &&
	in_root jq -e '.panels | length > 0' /usr/share/doc/exittop/examples/exittop.json >/dev/null; then
	pass "examples: rules pass promtool check, dashboard JSON parses"
else
	fail "examples in /usr/share/doc/exittop/examples"
fi
ov_umount || { fail "umount the chroot"; exit 1; }

# ---- 4. systemd as PID 1, on a second layer (its own runtime files must
#      not count as left behind by the package in step 5) ----
mount -t overlay overlay -o "lowerdir=$up:/,upperdir=$tmp/ov/upper2,workdir=$tmp/ov/work2" "$root" ||
	{ fail "second overlay"; exit 1; }
mkdir -p "$tmp/out"
cat >"$root/etc/systemd/system/exittop-pkgcheck.service" <<'EOF'
[Unit]
Description=exittop package check (tests/host/package.sh)
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'systemctl cat exittop.service >/out/cat 2>&1; systemctl is-enabled exittop.service >/out/enabled 2>&1; systemctl show -p FragmentPath,UnitFileState exittop.service >/out/show 2>&1'
ExecStartPost=/bin/systemctl --no-block poweroff
EOF
s=$(date +%s)
# no systemd on the host: no machined to register with, no scope to create
timeout 120 systemd-nspawn -q -D "$root" --register=no --keep-unit --bind="$tmp/out:/out" \
	--boot -- systemd.unit=exittop-pkgcheck.service >"$tmp/nspawn.log" 2>&1
if grep -q '^ExecStart=/usr/sbin/exittop --listen' "$tmp/out/cat" 2>/dev/null &&
	head -1 "$tmp/out/cat" | grep -q '^# /lib/systemd/system/exittop.service$'; then
	pass "systemctl cat exittop (systemd $(in_root dpkg-query -W -f='${Version}' systemd 2>/dev/null) as PID 1, $(($(date +%s) - s)) s): $(head -1 "$tmp/out/cat"), $(grep '^ExecStart=' "$tmp/out/cat")"
else
	fail "systemctl cat exittop: $(cat "$tmp/out/cat" 2>/dev/null) $(tail -5 "$tmp/nspawn.log")"
fi
e=$(cat "$tmp/out/enabled" 2>/dev/null)
[ "$e" = disabled ] && pass "systemctl is-enabled exittop: disabled (not enabled by default)" ||
	fail "systemctl is-enabled exittop: '$e'"
umount "$root" || { fail "umount the second overlay"; exit 1; }

# ---- 5. purge leaves nothing behind ----
ov_mount || { fail "overlay of / again"; exit 1; }
if in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y exittop exitgen exitcpuid' >"$tmp/purge.log" 2>&1 &&
	! in_root dpkg-query -W exittop exitgen exitcpuid >/dev/null 2>&1; then
	pass "apt-get purge exittop exitgen exitcpuid"
else
	fail "purge: $(tail -10 "$tmp/purge.log")"
fi
ov_umount
# The upper layer now holds what the install/purge cycle changed. Allowed:
# the package manager's records and caches. Anything else new (a file or a
# directory the host does not have) was left behind; a whiteout (character
# device 0/0) is a host file that went away; a file whose content differs
# from the host's was changed.
left=$(cd "$up" && find . -mindepth 1 | sed 's|^\./||' | while read -r f; do
	case "$f" in
	var/lib/dpkg/* | var/log/* | var/cache/man/* | var/cache/debconf/* | var/lib/apt/* | var/cache/apt/* | \
		var/cache/ldconfig/*) continue ;;
	esac
	if [ -c "$f" ] && [ "$(stat -c %t:%T "$f")" = 0:0 ]; then
		echo "removed /$f"
	elif [ ! -e "/$f" ] && [ ! -L "/$f" ]; then
		echo "left /$f"
	elif [ -f "$f" ] && ! cmp -s "$f" "/$f"; then
		echo "changed /$f"
	fi
done)
if [ -z "$left" ]; then
	pass "purge: no file or directory left, no host file removed ($(cd "$up" && find . ! -type d | wc -l) package-manager records changed)"
else
	fail "after purge: $left"
fi

echo "package: $fails failure(s)"
[ $fails = 0 ]
