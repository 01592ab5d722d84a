# busybox-smoke.sh: exercises the busybox shell and a dozen applets with fully deterministic
# output, compared with busybox-smoke.expected (tests/system). Run it with busybox sh in a
# writable directory: it works in ./busybox-smoke.d and removes it again.
# In the guest: /etc/busybox-smoke.sh (cd /tmp first). On the host:
#   cd $(mktemp -d) && /bin/busybox sh .../user/scripts/busybox-smoke.sh
# Applets used (keep BUSYBOX_APPLETS in user/build.mk in step): echo cat ls grep wc sort uniq
# head tail sed mkdir rm cp mv env true false tr cut printf test.

echo "== shell"
greet() { echo "hello, $1"; }
greet world
n=0
for w in one two three; do n=$((n + 1)); echo "$n:$w"; done
case "moat-guest" in moat-*) echo "case matched";; *) echo "case missed";; esac
x=$(echo inner | tr a-z A-Z)
echo "substitution: $x"
(cd / && echo "subshell cwd: $(pwd)")
true && echo "true is true"
false || echo "false is false"
false; echo "status of false: $?"
test -d / && echo "test -d / ok"
[ "abc" = "abc" ] && echo "[ = ] ok"
printf '%s-%03d\n' pad 7

echo "== files"
rm -rf busybox-smoke.d
mkdir busybox-smoke.d
cd busybox-smoke.d || exit 1
mkdir -p sub/deeper
printf 'pear\napple\nfig\napple\nbanana\npear\napple\n' > fruit.txt
echo "cherry" >> fruit.txt
cat fruit.txt
echo "-- ls"
cp fruit.txt sub/copy.txt
mv sub/copy.txt sub/deeper/moved.txt
ls -1
ls -1 sub sub/deeper
test -e sub/copy.txt || echo "copy.txt moved away"
cat < sub/deeper/moved.txt > again.txt
cat again.txt | wc -l

echo "== pipelines"
sort fruit.txt | uniq -c | sed 's/^ *//'
sort fruit.txt | uniq | wc -l
grep -c apple fruit.txt
grep -n '^p' fruit.txt
grep -v a fruit.txt
head -n 2 fruit.txt
tail -n 2 fruit.txt
sed -e 's/apple/APPLE/g' -e '/fig/d' fruit.txt | head -n 3
echo "a:b:c:d" | cut -d: -f2,4
echo "Hello World" | tr 'a-z' 'A-Z' | tr -d 'O'
wc -c < fruit.txt

echo "== redirection"
ls no-such-file 2> err.txt; echo "ls status: $?"
wc -l < err.txt
{ echo out; echo err 1>&2; } > both.txt 2>&1
sort both.txt
echo first > order.txt; echo second >> order.txt; cat order.txt
cat <<END
here-document line 1
here-document with $n expanded
END

echo "== env"
env -i SMOKE_A=1 SMOKE_B=two env | sort
SMOKE_C=inline env | grep '^SMOKE_C='
export SMOKE_D=exported
env | grep -c '^SMOKE_D=exported$'

echo "== cleanup"
cd ..
rm -r busybox-smoke.d
test -e busybox-smoke.d || echo "busybox-smoke.d removed"
echo "== done"
