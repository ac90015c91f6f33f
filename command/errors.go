package command

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"redpool/backend"
	"redpool/session/resp"
)

// Error is an error reply: its text is sent to the client as "-" + text.
// Every reply text redpool sends lives in this file.
type Error string

func (e Error) Error() string { return string(e) }

// Fixed error replies, byte for byte as Redis 7 sends them.
const (
	ErrWrongType Error = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax    Error = "ERR syntax error"
	// ErrNoConfigFileReply: CONFIG REWRITE on a server started without one.
	ErrNoConfigFileReply Error = "ERR The server is running without a config file"
	ErrNotInteger        Error = "ERR value is not an integer or out of range"
	ErrNotFloat          Error = "ERR value is not a valid float"
	ErrOverflow          Error = "ERR increment or decrement would overflow"
	ErrIncrNaN           Error = "ERR increment would produce NaN or Infinity"
	ErrNoSuchKey         Error = "ERR no such key"
	ErrIndexOutOfRange   Error = "ERR index out of range"
	ErrDBIndex           Error = "ERR DB index is out of range"
	ErrStringTooLong     Error = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrOffsetRange       Error = "ERR offset is out of range"
	ErrMaxClients        Error = "ERR max number of clients reached"
	ErrNoProto           Error = "NOPROTO unsupported protocol version"
	ErrProtoVersion      Error = "ERR Protocol version is not an integer or out of range"
	ErrClientName        Error = "ERR Client names cannot contain spaces, newlines or special characters."
	ErrWrongPass         Error = "WRONGPASS invalid username-password pair or user is disabled."
	ErrTimeoutNegative   Error = "ERR timeout is negative"
	ErrTimeoutNotFloat   Error = "ERR timeout is not a float or out of range"
	ErrMisconf           Error = "MISCONF Errors writing to the AOF file"
	ErrMisconfRDB        Error = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	ErrSameObject        Error = "ERR source and destination objects are the same"
	ErrBackgroundSave    Error = "ERR Background save already in progress"
	ErrBackgroundAOF     Error = "ERR Background append only file rewriting already in progress"
	ErrPersistDisabled   Error = "ERR persistence is not configured for this server"
	ErrShutdownFailed    Error = "ERR Errors trying to SHUTDOWN. Check logs."
	ErrSaveFailed        Error = "ERR" // Redis's bare reply to a failed SAVE
	ErrCountPositive     Error = "ERR value is out of range, must be positive"
	ErrNumKeysPositive   Error = "ERR numkeys should be greater than 0"
	ErrGetKeysCommand    Error = "ERR Invalid command specified"
	ErrGetKeysArity      Error = "ERR Invalid number of arguments specified for command"
	ErrGetKeysNoKeys     Error = "ERR The command has no key arguments"
	ErrGetKeysInvalid    Error = "ERR Invalid arguments specified for command"
	// ErrUndeclaredKey: a command inside an open transaction (EXEC, a
	// script) reached a key or database the transaction did not lock.
	ErrUndeclaredKey Error = "ERR command accessed a key or database its transaction does not hold"

	// --- transactions ---
	ErrMultiNested    Error = "ERR MULTI calls can not be nested"
	ErrExecNoMulti    Error = "ERR EXEC without MULTI"
	ErrDiscardNoMulti Error = "ERR DISCARD without MULTI"
	ErrExecAbort      Error = "EXECABORT Transaction discarded because of previous errors."
	ErrNotInMulti     Error = "ERR Command not allowed inside a transaction"
	ErrWatchInMulti   Error = "ERR WATCH inside MULTI is not allowed"

	// --- strings and keys ---
	ErrDecrOverflow    Error = "ERR decrement would overflow"
	ErrIntRange        Error = "ERR value is out of range, value must between -2147483648 and 2147483647"
	ErrInvalidCursor   Error = "ERR invalid cursor"
	ErrInvalidFirstDB  Error = "ERR invalid first DB index"
	ErrInvalidSecondDB Error = "ERR invalid second DB index"
	ErrExpireNXCompat  Error = "ERR NX and XX, GT or LT options at the same time are not compatible"
	ErrExpireGTLT      Error = "ERR GT and LT options at the same time are not compatible"
	ErrOOM             Error = "OOM command not allowed when used memory > 'maxmemory'."
	ErrLFUNotSelected  Error = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrLFUSelected     Error = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrLCSNotStrings   Error = "ERR The specified keys must contain string values"
	ErrLCSLenAndIdx    Error = "ERR If you want both the length and indexes, please just use IDX."
	ErrLCSTooBig       Error = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"

	// --- lists and hashes ---
	ErrCountGreaterZero    Error = "ERR count should be greater than 0"
	ErrRankZero            Error = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	ErrCountNegative       Error = "ERR COUNT can't be negative"
	ErrSlowlogCount        Error = "ERR count should be greater than or equal to -1"
	ErrInvalidClientID     Error = "ERR Invalid client ID"
	ErrNoSuchClient        Error = "ERR No such client"
	ErrClientIDPositive    Error = "ERR client-id should be greater than 0"
	ErrUnblockReason       Error = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
	ErrUnblocked           Error = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
	ErrPauseTimeout        Error = "ERR timeout is not an integer or out of range"
	ErrPauseNegative       Error = "ERR timeout is negative"
	ErrPauseMode           Error = "ERR CLIENT PAUSE mode must be WRITE or ALL"
	ErrScriptDebugPipeline Error = "ERR SCRIPT DEBUG must be called outside a pipeline"
	ErrScriptDebugMode     Error = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
	// ErrScriptDebugUnsupported is redpool's own: it has no Lua debugger.
	ErrScriptDebugUnsupported Error = "ERR SCRIPT DEBUG YES and SYNC are not supported: redpool has no Lua debugger (SCRIPT DEBUG NO is the only mode)"
	ErrDebugNotAllowed        Error = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	ErrDebugPushRESP2         Error = "ERR RESP2 is not supported by this command"
	ErrDebugProtocolType      Error = "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
	ErrMaxLenNegative         Error = "ERR MAXLEN can't be negative"
	ErrHashNotInteger         Error = "ERR hash value is not an integer"
	ErrHashNotFloat           Error = "ERR hash value is not a float"
	ErrNaNOrInfinity          Error = "ERR value is NaN or Infinity"
	ErrOutOfRange             Error = "ERR value is out of range"
	ErrLongRange              Error = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"

	// --- sets ---
	ErrNumKeysTooMany Error = "ERR Number of keys can't be greater than number of args"
	ErrLimitNegative  Error = "ERR LIMIT can't be negative"

	// --- sorted sets ---
	ErrMinMaxNotFloat  Error = "ERR min or max is not a float"
	ErrLexRange        Error = "ERR min or max not valid string range item"
	ErrZAddNXXX        Error = "ERR XX and NX options at the same time are not compatible"
	ErrZAddGTLTNX      Error = "ERR GT, LT, and/or NX options at the same time are not compatible"
	ErrZAddIncrPair    Error = "ERR INCR option supports a single increment-element pair"
	ErrScoreNaN        Error = "ERR resulting score is not a number (NaN)"
	ErrWeightNotFloat  Error = "ERR weight value is not a float"
	ErrZRangeLimitRank Error = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	ErrZRangeLexScores Error = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"

	// --- SORT ---
	ErrSortScore Error = "ERR One or more scores can't be converted into double"

	// --- bitmaps ---
	ErrBitOffset        Error = "ERR bit offset is not an integer or out of range"
	ErrBitValue         Error = "ERR bit is not an integer or out of range"
	ErrBitArgument      Error = "ERR The bit argument must be 1 or 0."
	ErrBitfieldType     Error = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	ErrBitfieldOverflow Error = "ERR Invalid OVERFLOW type specified"
	ErrBitfieldRO       Error = "ERR BITFIELD_RO only supports the GET subcommand"
	ErrBitopNot         Error = "ERR BITOP NOT must be called with a single source key."
)

// --- geo ---

// The geo commands' errors.
const (
	ErrGeoUnit            Error = "ERR unsupported unit provided. please use M, KM, FT, MI"
	ErrGeoRadiusNotFloat  Error = "ERR need numeric radius"
	ErrGeoRadiusNegative  Error = "ERR radius cannot be negative"
	ErrGeoWidthNotFloat   Error = "ERR need numeric width"
	ErrGeoHeightNotFloat  Error = "ERR need numeric height"
	ErrGeoBoxNegative     Error = "ERR height or width cannot be negative"
	ErrGeoMember          Error = "ERR could not decode requested zset member"
	ErrGeoCount           Error = "ERR COUNT must be > 0"
	ErrGeoAnyCount        Error = "ERR the ANY argument requires COUNT argument"
	ErrGeoStoreWith       Error = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	ErrGeoSearchStoreWith Error = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)

// GeoInvalidPair is the reply to coordinates out of the geohash limits;
// lon and lat are printed as C's "%f".
func GeoInvalidPair(lon, lat string) Error {
	return Error("ERR invalid longitude,latitude pair " + lon + "," + lat)
}

// GeoNeedsFrom is GEOSEARCH's reply without FROMMEMBER or FROMLONLAT; cmd
// is the command name as the client typed it.
func GeoNeedsFrom(cmd []byte) Error {
	return Error(sanitize("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(cmd)))
}

// GeoNeedsBy is GEOSEARCH's reply without BYRADIUS or BYBOX.
func GeoNeedsBy(cmd []byte) Error {
	return Error(sanitize("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(cmd)))
}

// Replies of DUMP and RESTORE (ErrDumpPayload, shared with FUNCTION
// RESTORE, is in functions.go).
const (
	ErrBusyKey         Error = "BUSYKEY Target key name already exists."
	ErrInvalidTTL      Error = "ERR Invalid TTL value, must be >= 0"
	ErrInvalidIdletime Error = "ERR Invalid IDLETIME value, must be >= 0"
	ErrInvalidFreq     Error = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	ErrBadDataFormat   Error = "ERR Bad data format"
)

// ErrFunctionLibPayload is FUNCTION RESTORE's reply to a library whose
// code cannot be read from the payload (rdbFunctionLoad's error).
const ErrFunctionLibPayload Error = "ERR Failed loading library payload"

// AtLeastOneKey is the reply of ZUNION, ZINTERSTORE and the like (name) to
// a numkeys below 1.
func AtLeastOneKey(name string) Error {
	return Error("ERR at least 1 input key is needed for '" + name + "' command")
}

// WrongArity is the reply to a command called with the wrong number of
// arguments; name is the command's full name ("get", "config|get").
func WrongArity(name string) Error {
	return Error("ERR wrong number of arguments for '" + name + "' command")
}

// UnknownCommand is the reply to a command name redpool does not know.
func UnknownCommand(args [][]byte) Error {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		fmt.Fprintf(&b, "'%s' ", clip(a, 128-b.Len()))
	}
	return Error(sanitize(fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", clip(args[0], 128), b.String())))
}

// UnknownSubcommand is the reply to "CONFIG FOO" and the like; cmd is the
// container command's name as Redis prints it in its hint ("CONFIG").
func UnknownSubcommand(sub []byte, cmd string) Error {
	return Error(sanitize(fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", clip(sub, 128), cmd)))
}

// UnknownClientType is CLIENT LIST/KILL's reply to a bad TYPE.
func UnknownClientType(t []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR Unknown client type '%s'", t)))
}

// NoSuchUser is the reply to a filter naming a user that does not exist.
func NoSuchUser(u []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR No such user '%s'", u)))
}

// NoLatencySamples is LATENCY GRAPH's reply for an event with no samples.
func NoLatencySamples(event []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR No samples available for event '%s'", event)))
}

// SubcommandSyntax is Redis's addReplySubcommandSyntaxError: a known
// subcommand given arguments it does not take.
func SubcommandSyntax(sub []byte, cmd string) Error {
	return Error(sanitize(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.", clip(sub, 128), cmd)))
}

// UnsupportedExpireOption is the EXPIRE family's reply to an unknown flag.
// (strings and keys)
func UnsupportedExpireOption(opt []byte) Error {
	return Error(sanitize("ERR Unsupported option " + string(opt)))
}

// InvalidExpire is SET/GETEX's reply to a bad expire time.
func InvalidExpire(cmd string) Error {
	return Error("ERR invalid expire time in '" + cmd + "' command")
}

// UnknownConfigParam is CONFIG SET's reply to a name it does not know.
func UnknownConfigParam(name []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", name)))
}

// BadConfigValue is CONFIG SET's reply to a value it rejects.
func BadConfigValue(name, value []byte, why string) Error {
	return Error(sanitize(fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, why)))
}

// Reasons CONFIG SET gives for refusing a parameter, after BadConfigValue's
// "... - ", byte for byte as Redis 7.0 gives them. Those ending in "%d"
// or "%s" are formats.
const (
	ReasonImmutable      = "can't set immutable config"
	ReasonProtected      = "can't set protected config"
	ReasonDuplicate      = "duplicate parameter"
	ReasonNotInteger     = "argument couldn't be parsed into an integer"
	ReasonNotMemory      = "argument must be a memory value"
	ReasonNotYesNo       = "argument must be 'yes' or 'no'"
	ReasonRange          = "argument must be between %d and %d inclusive"
	ReasonEnum           = "argument(s) must be one of the following: %s"
	ReasonEventClass     = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
	ReasonBufLimitArgs   = "Wrong number of arguments in buffer limit configuration."
	ReasonPercentiles    = "Invalid latency-tracking-info-percentiles parameters"
	ReasonPercentRange   = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
	ReasonBufLimitClass  = "Invalid client class specified in buffer limit configuration."
	ReasonBufLimitValue  = "Error in hard, soft or soft_seconds setting in buffer limit configuration."
	ReasonTooManyClients = "The operating system is not able to handle the specified number of clients, try with %d"
	ReasonTLSConfig      = "Unable to update TLS configuration. Check server logs."
	// ReasonNoEvictor is redpool's own: CONFIG SET maxmemory on a backend
	// that cannot evict (bolt).
	ReasonNoEvictor = "maxmemory is not supported by this backend (its data is on disk)"

	// maxmemory-clients: a memory value or a percentage of maxmemory.
	ReasonNotMemoryOrPercent = "argument must be a memory or percent value"
	ReasonPercentOver100     = "percentage argument must be less or equal to 100"

	// Redis 7.0's parameters of issue 14's last part (params.go).
	ReasonWrongArgs      = "wrong number of arguments"
	ReasonOOMScoreValues = "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
	ReasonSaveNoSave     = "shutdown options SAVE and NOSAVE can't be used simultaneously"
	ReasonProcTitle      = "template format is invalid or contains unknown variables"
	ReasonNoDefrag       = "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"
	// ReasonAllChannels is redpool's own: its ACL gives new users
	// resetchannels only.
	ReasonAllChannels = "allchannels is not supported: redpool's users start with resetchannels"
)

// ProtocolError is the reply to malformed RESP before the connection closes.
func ProtocolError(msg string) Error { return Error("ERR " + msg) }

func clip(b []byte, n int) []byte {
	if n < 0 {
		n = 0
	}
	if len(b) > n {
		return b[:n]
	}
	return b
}

// MisconfAOF is the reply to a write while the AOF cannot be written; err
// is the last write or fsync error. Redis appends strerror(errno).
func MisconfAOF(err error) Error {
	var errno syscall.Errno
	text := err.Error()
	if errors.As(err, &errno) {
		text = errno.Error() // Go's strerror texts, in lower case
	}
	if text != "" {
		text = strings.ToUpper(text[:1]) + text[1:]
	}
	return Error(sanitize(string(ErrMisconf) + ": " + text))
}

// sanitize replaces CR and LF, which cannot appear in an error line.
// It works on bytes: the rest of s is kept as it is, UTF-8 or not (a
// client's argument echoed in an error is the bytes it sent, as in Redis).
func sanitize(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// replyError maps any error a handler returns to its reply text: the one
// place where backend sentinels become RESP errors.
func replyError(err error) string {
	var e Error
	var pe *resp.ProtocolError
	switch {
	case errors.As(err, &e):
		return string(e)
	case errors.Is(err, backend.ErrWrongType):
		return string(ErrWrongType)
	case errors.Is(err, backend.ErrNoSuchKey):
		return string(ErrNoSuchKey)
	case errors.Is(err, backend.ErrIndexOutOfRange):
		return string(ErrIndexOutOfRange)
	case errors.Is(err, backend.ErrTooLarge):
		return string(ErrStringTooLong)
	case errors.Is(err, backend.ErrBadDB):
		return string(ErrDBIndex)
	case errors.Is(err, backend.ErrNotLocked):
		return string(ErrUndeclaredKey)
	case errors.Is(err, backend.ErrNotANumber):
		return string(ErrScoreNaN)
	case errors.As(err, &pe):
		return string(ProtocolError(pe.Msg))
	default:
		return "ERR " + sanitize(err.Error())
	}
}

// --- replication ---

var errReplicaTooSlow = errors.New("replica too slow: over its output-buffer hard limit")

// Replication replies.
const (
	ErrReadOnlyReplica   Error = "READONLY You can't write against a read only replica."
	ErrLoading           Error = "LOADING Redis is loading the dataset in memory"
	ErrNoMasterLink      Error = "NOMASTERLINK Can't SYNC while not connected with my master"
	ErrInvalidMasterPort Error = "ERR Invalid master port"
	ErrNoReplicas        Error = "NOREPLICAS Not enough good replicas to write."
)

// --- cluster ---

// Cluster mode replies (cluster*.go), as Redis 7.0's cluster.c.
const (
	ErrCrossSlot          Error = "CROSSSLOT Keys in request don't hash to the same slot"
	ErrTryAgain           Error = "TRYAGAIN Multiple keys request during rehashing of slot"
	ErrClusterDown        Error = "CLUSTERDOWN The cluster is down"
	ErrClusterDownRO      Error = "CLUSTERDOWN The cluster is down and only accepts read commands"
	ErrClusterUnbound     Error = "CLUSTERDOWN Hash slot not served"
	ErrClusterDisabled    Error = "ERR This instance has cluster support disabled"
	ErrClusterSelect      Error = "ERR SELECT is not allowed in cluster mode"
	ErrClusterMove        Error = "ERR MOVE is not allowed in cluster mode"
	ErrClusterSwapDB      Error = "ERR SWAPDB is not allowed in cluster mode"
	ErrClusterCopyDB      Error = "ERR Copying to another database is not allowed in cluster mode"
	ErrClusterBadSlot     Error = "ERR Invalid or out of range slot"
	ErrClusterInvalidSlot Error = "ERR Invalid slot"
	ErrClusterSlotOrCount Error = "ERR Invalid slot or number of keys"
	ErrClusterSetSlot     Error = "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
	ErrClusterSetSlotRepl Error = "ERR Please use SETSLOT only with masters."
	ErrClusterNotMaster   Error = "ERR Target node is not a master"
	ErrClusterForgetSelf  Error = "ERR I tried hard but I can't forget myself..."
	ErrClusterForgetMastr Error = "ERR Can't forget my master!"
	ErrClusterReplSelf    Error = "ERR Can't replicate myself"
	ErrClusterReplReplica Error = "ERR I can only replicate a master, not a replica."
	ErrClusterReplNotEmpt Error = "ERR To set a master the node must be empty and without assigned slots."
	ErrClusterSpecNotMstr Error = "ERR The specified node is not a master"
	ErrClusterResetKeys   Error = "ERR CLUSTER RESET can't be called with master nodes containing keys"
	ErrClusterFlushSlots  Error = "ERR DB must be empty to perform CLUSTER FLUSHSLOTS."
	ErrClusterEpochOthers Error = "ERR The user can assign a config epoch only when the node does not know any other node."
	ErrClusterEpochSet    Error = "ERR Node config epoch is already non-zero"
	ErrClusterFailoverMst Error = "ERR You should send CLUSTER FAILOVER to a replica"
	ErrClusterFailoverDwn Error = "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE"
	ErrScriptNoCluster    Error = "ERR Can not run script on cluster, 'no-cluster' flag is set."
	// ErrClusterMeet refuses CLUSTER MEET: meeting a node is the cluster
	// bus's handshake, which redpool does not have.
	ErrClusterMeet Error = "ERR CLUSTER MEET is not supported: redpool has no cluster bus; list the node in [[cluster.node]] of every node's config"
)

// --- streams ---

// Stream replies shared by the stream commands.
const (
	ErrInvalidStreamID Error = "ERR Invalid stream ID specified as stream command argument"

	ErrXAddIDZero           Error = "ERR The ID specified in XADD must be greater than 0-0"
	ErrXAddIDSmall          Error = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	ErrStreamExhausted      Error = "ERR The stream has exhausted the last possible ID, unable to add more items"
	ErrStreamElemsTooLarge  Error = "ERR Elements are too large to be stored"
	ErrTrimBoth             Error = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	ErrTrimMaxLenNegative   Error = "ERR The MAXLEN argument must be >= 0."
	ErrTrimLimitNegative    Error = "ERR The LIMIT argument must be >= 0."
	ErrTrimLimitNoStrategy  Error = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	ErrTrimLimitNoApprox    Error = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	ErrXTrimNoStrategy      Error = "ERR syntax error, XTRIM must be called with a trimming strategy"
	ErrStreamStartInterval  Error = "ERR invalid start ID for the interval"
	ErrStreamEndInterval    Error = "ERR invalid end ID for the interval"
	ErrXSetIDEntriesAdded   Error = "ERR entries_added must be positive"
	ErrXSetIDMaxDelArg      Error = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
	ErrXSetIDSmall          Error = "ERR The ID specified in XSETID is smaller than the target stream top item"
	ErrXSetIDEntriesSmall   Error = "ERR The entries_added specified in XSETID is smaller than the target stream length"
	ErrTimeoutNotInteger    Error = "ERR timeout is not an integer or out of range"
	ErrXReadGroupOption     Error = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
	ErrXReadNoAckOption     Error = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
	ErrXReadGroupMissing    Error = "ERR Missing GROUP option for XREADGROUP"
	ErrXReadGreaterID       Error = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
	ErrXReadGroupDollarID   Error = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
	ErrXReadUnbalanced      Error = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
	ErrXReadGroupUnbalanced Error = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
)

// BlockInScript is XREAD[GROUP]'s reply to BLOCK inside a script; name is
// the command as the script spelled it.
func BlockInScript(name []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR %s command is not allowed with BLOCK option from scripts", name)))
}

// NoGroup is XREADGROUP's reply to a key or group that does not exist.
func NoGroup(key, group []byte) Error {
	return Error(sanitize(fmt.Sprintf("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option", key, group)))
}

// Consumer group replies (streams_groups.go and its siblings).
const (
	ErrXGroupNoKey       Error = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	ErrBusyGroup         Error = "BUSYGROUP Consumer Group name already exists"
	ErrEntriesReadRange  Error = "ERR value for ENTRIESREAD must be positive or -1"
	ErrGroupGoneBlocked  Error = "NOGROUP the consumer group this client was blocked on no longer exists"
	ErrStreamGoneBlocked Error = "UNBLOCKED the stream key no longer exists"
	ErrXClaimMinIdle     Error = "ERR Invalid min-idle-time argument for XCLAIM"
	ErrXClaimIdle        Error = "ERR Invalid IDLE option argument for XCLAIM"
	ErrXClaimTime        Error = "ERR Invalid TIME option argument for XCLAIM"
	ErrXClaimRetryCount  Error = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
	ErrXAutoClaimMinIdle Error = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
	ErrXAutoClaimCount   Error = "ERR COUNT must be > 0"
)

// NoSuchGroupForKey is XGROUP's and XINFO CONSUMERS's reply for a group
// that does not exist.
func NoSuchGroupForKey(group, key []byte) Error {
	return Error(sanitize(fmt.Sprintf("NOGROUP No such consumer group '%s' for key name '%s'", group, key)))
}

// NoKeyOrGroup is XPENDING's, XCLAIM's and XAUTOCLAIM's reply for a key
// or group that does not exist.
func NoKeyOrGroup(key, group []byte) Error {
	return Error(sanitize(fmt.Sprintf("NOGROUP No such key '%s' or consumer group '%s'", key, group)))
}

// UnknownXClaimOption is XCLAIM's reply to an argument that is neither an
// id nor an option.
func UnknownXClaimOption(opt []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR Unrecognized XCLAIM option '%s'", opt)))
}

// --- MIGRATE ---

// MIGRATE's replies (the IOERR ones are Redis's, sent without "ERR").
const (
	ErrMigrateKeysArg Error = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
	ErrMigrateConnect Error = "IOERR error or timeout connecting to the client"
	ErrMigrateWrite   Error = "IOERR error or timeout writing to target instance"
	ErrMigrateRead    Error = "IOERR error or timeout reading to target instance"
)

// MigrateTargetError is MIGRATE's reply when the target answered an error
// line (msg, without its "-").
func MigrateTargetError(msg string) Error {
	return Error("ERR Target instance replied with error: " + msg)
}

// --- Pub/Sub and RESET ---

// ErrResetNotNormal is RESET's reply on a replica or master link.
const ErrResetNotNormal Error = "ERR can only reset normal client connections"

// NotInSubscribedMode is the reply to a command a RESP2 client in
// subscribed mode may not run; name is its full name ("get",
// "client|list").
func NotInSubscribedMode(name string) Error {
	return Error("ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
}

// PubsubSubcommandArity is PUBSUB CHANNELS' and SHARDCHANNELS' reply to
// more than one pattern; sub is the subcommand as the client typed it.
func PubsubSubcommandArity(sub []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try PUBSUB HELP.", clip(sub, 128))))
}

// --- client-side caching ---

// CLIENT TRACKING's and CLIENT CACHING's errors.
const (
	ErrTrackingRedirectTwice Error = "ERR A client can only redirect to a single other client"
	ErrTrackingNoRedirect    Error = "ERR The client ID you want redirect to does not exist"
	ErrTrackingPrefixNoBcast Error = "ERR PREFIX option requires BCAST mode to be enabled"
	ErrTrackingSwitchBcast   Error = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	ErrTrackingOptBcast      Error = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	ErrTrackingOptinOptout   Error = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	ErrTrackingSwitchOpt     Error = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	ErrCachingNoTracking     Error = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	ErrCachingYesNoOptin     Error = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	ErrCachingNoNoOptout     Error = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
)

// trackingPrefixOverlap is CLIENT TRACKING's reply to a BCAST prefix p
// that overlaps q; which is "an existing" or "another provided".
func trackingPrefixOverlap(p, q, which string) Error {
	return Error("ERR Prefix '" + p + "' overlaps with " + which + " prefix '" + q + "'. Prefixes for a single client must not overlap.")
}

// --- HyperLogLog ---

// The HyperLogLog commands' errors (hyperloglog.go).
const (
	ErrHLLWrongType Error = "WRONGTYPE Key is not a valid HyperLogLog string value."
	ErrHLLInvalid   Error = "INVALIDOBJ Corrupted HLL object detected"
	ErrHLLNoKey     Error = "ERR The specified key does not exist"
	ErrHLLNotSparse Error = "ERR HLL encoding is not sparse"
)

// UnknownPFDebug is PFDEBUG's reply to an unknown subcommand.
func UnknownPFDebug(sub []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR Unknown PFDEBUG subcommand '%s'", sub)))
}

// HLLTestFailed is PFSELFTEST's reply when the codec fails a check.
func HLLTestFailed(what string) Error { return Error("ERR TESTFAILED " + what) }

// --- AUTH and ACL ---

// The replies of AUTH, the dispatcher's permission check and ACL.
const (
	ErrNoAuth           Error = "NOAUTH Authentication required."
	ErrHelloNoAuth      Error = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	ErrAuthNoPassword   Error = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	ErrNoPermKey        Error = "NOPERM this user has no permissions to access one of the keys used as arguments"
	ErrNoPermChannel    Error = "NOPERM this user has no permissions to access one of the channels used as arguments"
	ErrDeleteDefault    Error = "ERR The 'default' user cannot be removed"
	ErrUsernameSpaces   Error = "ERR Usernames can't contain spaces or null characters"
	ErrNoACLFile        Error = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."
	ErrACLSave          Error = "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
	ErrGenpassBits      Error = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
	errScriptNoPermCmd  Error = "The user executing the script can't run this command or subcommand"
	errScriptNoPermKey  Error = "The user executing the script can't access at least one of the keys mentioned in the command arguments"
	errScriptNoPermChan Error = "The user executing the script can't publish to the channel mentioned in the command"
	execNoPermPrefix          = "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: "
)

// NoPermCommand is the reply to a command the user may not run; name is
// its full name ("config|set").
func NoPermCommand(name string) Error {
	return Error("NOPERM this user has no permissions to run the '" + name + "' command")
}

// ACLSetUserError is ACL SETUSER's reply to a rule that failed; the rule
// is shown up to a NUL, as Redis's %s does.
func ACLSetUserError(rule string, err error) Error {
	return Error("ERR Error in ACL SETUSER modifier '" + sanitize(cstring(rule)) + "': " + err.Error())
}

// ACLUnmatchedParen is ACL SETUSER's reply to a selector never closed
// (arg shown up to a NUL, as ACLSetUserError).
func ACLUnmatchedParen(arg string) Error {
	return Error("ERR Unmatched parenthesis in acl selector starting at '" + sanitize(cstring(arg)) + "'.")
}

// ACLSubcommandSyntax is ACL's reply to CAT, GENPASS or LOG with too many
// arguments (Redis's addReplySubcommandSyntaxError).
func ACLSubcommandSyntax(sub []byte) Error {
	return Error(sanitize(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try ACL HELP.", clip(sub, 128))))
}

// ACLUnknownCategory is ACL CAT's reply for an unknown category.
func ACLUnknownCategory(name []byte) Error {
	return Error("ERR Unknown category '" + sanitize(string(clip(name, 128))) + "'")
}

// ACLDryRunNoUser and ACLDryRunNoCommand are ACL DRYRUN's replies for an
// unknown user or command.
func ACLDryRunNoUser(name []byte) Error {
	return Error("ERR User '" + sanitize(string(name)) + "' not found")
}

func ACLDryRunNoCommand(name []byte) Error {
	return Error("ERR Command '" + sanitize(string(name)) + "' not found")
}

// ACLLoadError is ACL LOAD's reply listing the file's problems.
func ACLLoadError(text string) Error { return Error("ERR " + sanitize(text)) }

// Protected mode (Redis's clientAcceptHandler): a client from beyond
// loopback while the default user has no password gets this and is
// closed.
const ErrProtectedMode Error = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

// DEBUG RELOAD's errors (Redis 7.0.15's texts; a failed save, and a
// failed LOADAOF, reply ErrSaveFailed's bare "ERR", as Redis).
const (
	ErrDebugReloadOption Error = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
	ErrDebugReloadLoad   Error = "ERR Error trying to load the RDB dump"
)
