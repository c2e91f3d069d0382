#!/bin/sh
# Install the posapp folder this script sits in for the current user (no root needed):
# the app under ~/.local/opt/posapp, `posapp` on the PATH, and the menu entry with its icon.
# Run it again to update; `install.sh --remove` takes it all away again (the data stays).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${XDG_DATA_HOME:-$HOME/.local/share}
opt=$HOME/.local/opt/posapp
bin=$HOME/.local/bin
if [ "${1:-}" = "--remove" ]; then
    rm -rf "$opt" "$bin/posapp" "$prefix/applications/posapp.desktop" \
        "$prefix/icons/hicolor/scalable/apps/posapp.svg"
    echo "posapp removed (your data folder is kept)."
    exit 0
fi
mkdir -p "$opt" "$bin" "$prefix/applications" "$prefix/icons/hicolor/scalable/apps"
if [ "$here" != "$opt" ]; then
    rm -rf "$opt"
    cp -a "$here" "$opt"
fi
ln -sf "$opt/posapp" "$bin/posapp"
sed "s|^Exec=posapp|Exec=$opt/posapp|; s|^TryExec=posapp|TryExec=$opt/posapp|" \
    "$here/posapp.desktop" > "$prefix/applications/posapp.desktop"
cp "$here/posapp.svg" "$prefix/icons/hicolor/scalable/apps/posapp.svg"
echo "posapp installed: run 'posapp' or find it in the applications menu."
