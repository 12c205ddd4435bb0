# bash completion for mapsize. Install: copy to /usr/share/bash-completion/completions/mapsize
# (or source it). tests/cli checks that it knows every option of every command.
_mapsize()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}
	local opts

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "estimate inspect attach record replay diff simulate help --help --version" -- "$cur"))
		return
	fi
	if [ "$cmd" = help ]; then
		[ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "estimate inspect attach record replay diff simulate" -- "$cur"))
		return
	fi
	case $prev in
	--format)
		case $cmd in
		estimate) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
		simulate) COMPREPLY=($(compgen -W "text json html" -- "$cur")) ;;
		diff) COMPREPLY=($(compgen -W "text json html pprof folded" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "text json ndjson prometheus html pprof folded" -- "$cur")) ;;
		esac
		return ;;
	--sort) COMPREPLY=($(compgen -W "held reclaimable len addr type" -- "$cur")); return ;;
	--attach-method) COMPREPLY=($(compgen -W "auto soft-dirty uffd-wp stop-and-copy" -- "$cur")); return ;;
	--model) COMPREPLY=($(compgen -W "auto simulated analytic" -- "$cur")); return ;;
	--go) COMPREPLY=($(compgen -W "1.19 1.20 1.21 1.22 1.23 1.24 1.24+noswissmap 1.25 1.25+noswissmap 1.26 1.27 1.27+mapsplitgroup all" -- "$cur")); return ;;
	--arch) COMPREPLY=($(compgen -W "amd64 arm64 386 arm" -- "$cur")); return ;;
	--pid) COMPREPLY=($(compgen -W "$(ps -e -o pid= 2>/dev/null)" -- "$cur")); return ;;
	--exe | --output | -o | --record | --trace) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--ops) return ;;
	--len | --hint | --deleted | --budget | --define | --seed | --seeds | --key-payload | \
	--value-payload | --top | --filter | --max-values | --timeout | --max-memory) return ;;
	esac
	case $cmd in
	estimate) opts="--len --hint --deleted --go --arch --define --budget --key-payload --value-payload --seed --seeds --model --exact --bytes --format --help" ;;
	inspect) opts="--exe --no-dwarf --retained --format --output --top --all --sort --filter --bytes --max-values --record --timeout --max-memory --help" ;;
	attach) opts="--exe --no-dwarf --retained --no-stop --no-clear-refs --attach-method --format --output --top --all --sort --filter --bytes --max-values --record --timeout --max-memory --help" ;;
	record) opts="--exe --no-dwarf --retained --pid --no-stop --no-clear-refs --attach-method --output --max-values --timeout --max-memory --help" ;;
	replay) opts="--format --output --top --all --sort --filter --bytes --help" ;;
	diff) opts="--format --output --top --bytes --help" ;;
	simulate) opts="--ops --trace --go --arch --define --seed --seeds --timeout --bytes --format --help" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [ "$cmd" = attach ]; then
		COMPREPLY=($(compgen -W "$(ps -e -o pid= 2>/dev/null)" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _mapsize mapsize
