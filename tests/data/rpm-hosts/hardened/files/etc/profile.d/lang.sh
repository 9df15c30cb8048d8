# /etc/profile.d/lang.sh - exports environment variables, and provides fallback
#                          for CJK languages that can't be displayed in console.
if [ -n "${LANG}" ]; then
    return
fi
