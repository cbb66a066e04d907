using System.Text;

namespace Lodestone.Engine.Execution;

/// <summary>
/// Every error the engine replies with, in one place, with Redis's own texts so that clients which
/// match on them keep working.
/// </summary>
internal static class Errors
{
    public static readonly EngineError Syntax = new(ErrorKind.BadRequest, "ERR syntax error");
    public static readonly EngineError InvalidMasterPort = new(ErrorKind.BadRequest, "ERR Invalid master port");
    public static readonly EngineError ReadOnlyReplica = new(ErrorKind.ReadOnly, "READONLY You can't write against a read only replica.");
    public static readonly EngineError NoReplicas = new(ErrorKind.NoReplicas, "NOREPLICAS Not enough good replicas to write.");
    public static readonly EngineError WaitOnReplica = new(ErrorKind.BadRequest,
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");

    /// <summary>A data command on a replica whose link is down while <c>replica-serve-stale-data</c> is no.</summary>
    public static readonly EngineError MasterDown = new(ErrorKind.Unavailable, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    public static readonly EngineError WrongType = new(ErrorKind.WrongType, "WRONGTYPE Operation against a key holding the wrong kind of value");
    public static readonly EngineError NotInteger = new(ErrorKind.NotANumber, "ERR value is not an integer or out of range");
    public static readonly EngineError BitOffsetOutOfRange = new(ErrorKind.BadRequest, "ERR bit offset is not an integer or out of range");
    public static readonly EngineError BitOutOfRange = new(ErrorKind.BadRequest, "ERR bit is not an integer or out of range");
    public static readonly EngineError BitPosBit = new(ErrorKind.BadRequest, "ERR The bit argument must be 1 or 0.");
    public static readonly EngineError BitFieldType = new(ErrorKind.BadRequest, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
    public static readonly EngineError BitFieldOverflowType = new(ErrorKind.BadRequest, "ERR Invalid OVERFLOW type specified");
    public static readonly EngineError BitFieldRoGetOnly = new(ErrorKind.BadRequest, "ERR BITFIELD_RO only supports the GET subcommand");
    public static EngineError BitOpTwoSources(string operation) => new(ErrorKind.BadRequest, $"ERR BITOP {operation} must be called with at least two source keys.");
    public static readonly EngineError FieldsMissing = new(ErrorKind.BadRequest, "ERR Mandatory argument FIELDS is missing or not at the right position");
    public static readonly EngineError FieldCountNotPositive = new(ErrorKind.BadRequest, "ERR Number of fields must be a positive integer");
    public static readonly EngineError NumFieldsNotPositive = new(ErrorKind.BadRequest, "ERR Parameter `numFields` should be greater than 0");
    public static readonly EngineError NumFieldsMismatch = new(ErrorKind.BadRequest, "ERR The `numfields` parameter must match the number of arguments");
    public static readonly EngineError InvalidFieldCount = new(ErrorKind.BadRequest, "ERR invalid number of fields");
    public static readonly EngineError ExpireTimeNegative = new(ErrorKind.BadRequest, "ERR invalid expire time, must be >= 0");
    public static readonly EngineError MissingExpireTime = new(ErrorKind.BadRequest, "ERR missing expire time");
    public static readonly EngineError OneTimeOption = new(ErrorKind.BadRequest, "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified");
    public static readonly EngineError OneFieldCondition = new(ErrorKind.BadRequest, "ERR Only one of FXX or FNX arguments can be specified");
    public static EngineError UnknownArgument(string argument) => new(ErrorKind.BadRequest, $"ERR unknown argument: {argument}");
    public static readonly EngineError NoPermissionForChannel = new(ErrorKind.NoPermission, "NOPERM this user has no permissions to access one of the channels used as arguments");
    public static EngineError SubscribeNeedsStream(string command) => new(ErrorKind.BadRequest,
        $"ERR {command} needs a connection that stays open: POST /commands/{command.ToLowerInvariant()}/{{channel}} with Accept: text/event-stream (Upstash's clients do), GET /channels/{{channel}}/events, or the WebSocket at /ws");
    public static readonly EngineError GeoUnit = new(ErrorKind.BadRequest, "ERR unsupported unit provided. please use M, KM, FT, MI");
    public static readonly EngineError GeoNoMember = new(ErrorKind.BadRequest, "ERR could not decode requested zset member");
    public static readonly EngineError GeoNegativeRadius = new(ErrorKind.BadRequest, "ERR radius cannot be negative");
    public static readonly EngineError GeoNegativeBox = new(ErrorKind.BadRequest, "ERR height or width cannot be negative");
    public static readonly EngineError GeoCountNotPositive = new(ErrorKind.BadRequest, "ERR COUNT must be > 0");
    public static readonly EngineError GeoAnyWithoutCount = new(ErrorKind.BadRequest, "ERR the ANY argument requires COUNT argument");
    public static EngineError GeoNeedNumeric(string what) => new(ErrorKind.NotANumber, $"ERR need numeric {what}");
    public static EngineError GeoInvalidPosition(string longitude, string latitude) => new(ErrorKind.BadRequest, $"ERR invalid longitude,latitude pair {longitude},{latitude}");
    public static EngineError GeoStoreWith(string what) => new(ErrorKind.BadRequest, $"ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    public static EngineError GeoOneOf(string options, string command) => new(ErrorKind.BadRequest, $"ERR exactly one of {options} can be specified for {command}");
    public static readonly EngineError LcsNotStrings = new(ErrorKind.WrongType, "ERR The specified keys must contain string values");
    public static readonly EngineError LcsLenAndIdx = new(ErrorKind.BadRequest, "ERR If you want both the length and indexes, please just use IDX.");
    public static readonly EngineError LcsTooMuchMemory = new(ErrorKind.TooLarge, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    public static readonly EngineError SortByDenied = new(ErrorKind.NoPermission, "ERR BY option of SORT denied due to insufficient ACL permissions.");
    public static readonly EngineError SortGetDenied = new(ErrorKind.NoPermission, "ERR GET option of SORT denied due to insufficient ACL permissions.");
    public static readonly EngineError SortNotNumbers = new(ErrorKind.NotANumber, "ERR One or more scores can't be converted into double");
    public static readonly EngineError BitOpNotSingleSource = new(ErrorKind.BadRequest, "ERR BITOP NOT must be called with a single source key.");
    public static readonly EngineError NotFloat = new(ErrorKind.NotANumber, "ERR value is not a valid float");
    public static readonly EngineError IncrementOverflow = new(ErrorKind.NotANumber, "ERR increment or decrement would overflow");
    public static readonly EngineError DecrementOverflow = new(ErrorKind.NotANumber, "ERR decrement would overflow");
    public static readonly EngineError NaNOrInfinity = new(ErrorKind.NotANumber, "ERR increment would produce NaN or Infinity");
    public static readonly EngineError StringTooLong = new(ErrorKind.TooLarge, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    public static readonly EngineError ArgumentTooLong = new(ErrorKind.TooLarge, "ERR argument exceeds maximum allowed size (proto-max-bulk-len)");
    public static readonly EngineError OffsetOutOfRange = new(ErrorKind.BadRequest, "ERR offset is out of range");
    public static readonly EngineError NoSuchKey = new(ErrorKind.NoSuchKey, "ERR no such key");
    public static readonly EngineError InvalidCursor = new(ErrorKind.BadRequest, "ERR invalid cursor");
    public static readonly EngineError DbIndexOutOfRange = new(ErrorKind.BadRequest, "ERR DB index is out of range");
    public static readonly EngineError NotInt32 = new(ErrorKind.BadRequest, "ERR value is out of range, value must between -2147483648 and 2147483647");
    public static readonly EngineError GetKeysInvalidCommand = new(ErrorKind.BadRequest, "ERR Invalid command specified");
    public static readonly EngineError GetKeysInvalidArity = new(ErrorKind.BadRequest, "ERR Invalid number of arguments specified for command");
    public static readonly EngineError GetKeysNoKeys = new(ErrorKind.BadRequest, "ERR The command has no key arguments");
    public static readonly EngineError SameObject = new(ErrorKind.BadRequest, "ERR source and destination objects are the same");
    public static readonly EngineError ExpireNxWithOthers = new(ErrorKind.BadRequest, "ERR NX and XX, GT or LT options at the same time are not compatible");
    public static readonly EngineError ExpireGtAndLt = new(ErrorKind.BadRequest, "ERR GT and LT options at the same time are not compatible");
    public static readonly EngineError EmptyCommand = new(ErrorKind.BadRequest, "ERR empty command");
    public static readonly EngineError PreconditionFailed = new(ErrorKind.PreconditionFailed, "PRECONDITION the key does not match the request's precondition");
    public static readonly EngineError Loading = new(ErrorKind.Loading, "LOADING Lodestone is loading the dataset in memory");
    public static readonly EngineError OutOfMemory = new(ErrorKind.OutOfMemory, "OOM command not allowed when used memory > 'maxmemory'.");
    public static readonly EngineError NotLfu = new(ErrorKind.BadRequest,
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    public static readonly EngineError NotLru = new(ErrorKind.BadRequest,
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    public static readonly EngineError ShuttingDown = new(ErrorKind.Unavailable, "SHUTDOWN the engine is stopping");

    /// <summary>
    /// Redis's text for an unknown command (<paramref name="args"/> = name, then arguments): the
    /// arguments are quoted while the list is under 128 bytes, each cut to the bytes left.
    /// </summary>
    public static EngineError UnknownCommand(byte[][] args)
    {
        var shown = new StringBuilder();
        var length = 0;
        for (var i = 1; i < args.Length && length < 128; i++)
        {
            shown.Append('\'').Append(Printable(args[i], 128 - length, out var bytes)).Append("' ");
            length += bytes + 3;
        }
        return new(ErrorKind.UnknownCommand,
            $"ERR unknown command '{Printable(args[0], 128, out _)}', with args beginning with: {shown}");
    }

    // Scripting (EVAL, EVALSHA, SCRIPT, FUNCTION, FCALL), in Redis 7.0's words.
    public static readonly EngineError NoScript = new(ErrorKind.NoSuchKey, "NOSCRIPT No matching script. Please use EVAL.");
    public static readonly EngineError NegativeNumKeys = new(ErrorKind.BadRequest, "ERR Number of keys can't be negative");
    public static readonly EngineError NumKeysTooLarge = new(ErrorKind.BadRequest, "ERR Number of keys can't be greater than number of args");
    public static EngineError ScriptCompile(string? message) => new(ErrorKind.BadRequest, $"ERR Error compiling script (new function): {message}");
    public static EngineError ScriptShebangEngine(string engine) => new(ErrorKind.BadRequest, $"ERR Unexpected engine in script shebang: {engine}");
    public static EngineError ScriptShebangOption(string option) => new(ErrorKind.BadRequest, $"ERR Unknown lua shebang option: {option}");
    public static EngineError ScriptShebangFlag(string flag) => new(ErrorKind.BadRequest, $"ERR Unexpected flag in script shebang: {flag}");
    public static readonly EngineError ScriptNestingTooDeep = new(ErrorKind.BadRequest, "ERR reached lua stack limit");
    public static readonly EngineError ScriptUnknownCommand = new(ErrorKind.UnknownCommand, "ERR Unknown Redis command called from script");
    public static readonly EngineError ScriptWrongArity = new(ErrorKind.WrongArity, "ERR Wrong number of args calling Redis command from script");
    public static readonly EngineError ScriptCommandNotAllowed = new(ErrorKind.BadRequest, "ERR This Redis command is not allowed from script");
    public static readonly EngineError ScriptWriteNotAllowed = new(ErrorKind.BadRequest, "ERR Write commands are not allowed from read-only scripts.");
    public static readonly EngineError ScriptNoCommandPermission = new(ErrorKind.NoPermission, "ERR The user executing the script can't run this command or subcommand");
    public static readonly EngineError ScriptNoKeyPermission = new(ErrorKind.NoPermission, "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments");
    public static readonly EngineError Busy = new(ErrorKind.Unavailable, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
    public static readonly EngineError NotBusy = new(ErrorKind.BadRequest, "NOTBUSY No scripts in execution right now.");
    public static readonly EngineError Unkillable = new(ErrorKind.Conflict, "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
    public static readonly EngineError ScriptFlushOption = new(ErrorKind.BadRequest, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    public static readonly EngineError FunctionNotFound = new(ErrorKind.NoSuchKey, "ERR Function not found");
    public static readonly EngineError FunctionRoNeedsNoWrites = new(ErrorKind.BadRequest, "ERR Can not execute a script with write flag using *_ro command.");
    public static readonly EngineError LibraryNotFound = new(ErrorKind.NoSuchKey, "ERR Library not found");
    public static readonly EngineError FunctionFlushOption = new(ErrorKind.BadRequest, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    public static readonly EngineError EvalReadOnlyNeedsNoWrites = new(ErrorKind.BadRequest, "ERR Can not run script with write flag on readonly replica");

    public static EngineError UnknownSubcommand(string subcommand, string command) =>
        new(ErrorKind.UnknownCommand, $"ERR unknown subcommand '{Truncate(subcommand, 128)}'. Try {command.ToUpperInvariant()} HELP.");

    public static EngineError UnknownSubcommandOrArity(string subcommand, string command) =>
        new(ErrorKind.BadRequest, $"ERR unknown subcommand or wrong number of arguments for '{Truncate(subcommand, 128)}'. Try {command.ToUpperInvariant()} HELP.");

    public static readonly EngineError SlowlogCountBelowMinusOne = new(ErrorKind.BadRequest, "ERR count should be greater than or equal to -1");

    public static EngineError UnknownConfigOption(string name) =>
        new(ErrorKind.BadRequest, $"ERR Unknown option or number of arguments for CONFIG SET - '{Truncate(name, 128)}'");

    public static EngineError ConfigSetFailed(string name, string reason) =>
        new(ErrorKind.BadRequest, $"ERR CONFIG SET failed (possibly related to argument '{Truncate(name, 128)}') - {reason}");

    public static readonly EngineError MonitorOverHttp = new(ErrorKind.BadRequest,
        "ERR MONITOR streams over HTTP: GET /admin/monitor (Server-Sent Events, admin key; filters ?command= and ?match=)");

    public static readonly EngineError BackgroundSaveInProgress = new(ErrorKind.Conflict, "ERR Background save already in progress");
    public static readonly EngineError BackgroundRewriteInProgress = new(ErrorKind.Conflict, "ERR Background append only file rewriting already in progress");
    public static readonly EngineError PersistenceOff = new(ErrorKind.Conflict,
        "ERR Persistence is off (Persistence:AppendOnly is false): there is nothing to snapshot to");

    public static readonly EngineError MustBePositive = new(ErrorKind.BadRequest, "ERR value is out of range, must be positive");
    public static readonly EngineError TimeoutNotFloat = new(ErrorKind.BadRequest, "ERR timeout is not a float or out of range");
    public static readonly EngineError TimeoutNegative = new(ErrorKind.BadRequest, "ERR timeout is negative");
    public static readonly EngineError TimeoutOutOfRange = new(ErrorKind.BadRequest, "ERR timeout is out of range");
    public static readonly EngineError NoPermissionForKey = new(ErrorKind.NoPermission, "NOPERM this user has no permissions to access one of the keys used as arguments");

    /// <summary>A glob pattern over the caps of <see cref="Text.GlobPattern"/>. Differs from Redis, which caps none.</summary>
    public static EngineError PatternTooComplex(string why) => new(ErrorKind.BadRequest, "ERR pattern refused: " + why);

    public static readonly EngineError ScanCountTooLarge = new(ErrorKind.BadRequest,
        $"ERR COUNT is out of range: at most {Commands.ScanOptions.MaxCount} per call (Lodestone's cap; page with the cursor)");

    public static EngineError NoPermissionForCommand(string name) =>
        new(ErrorKind.NoPermission, $"NOPERM this user has no permissions to run the '{name.ToLowerInvariant()}' command");

    public static EngineError WrongArity(string fullName) =>
        new(ErrorKind.WrongArity, $"ERR wrong number of arguments for '{fullName.ToLowerInvariant()}' command");

    public static EngineError InvalidExpireTime(string command) =>
        new(ErrorKind.BadRequest, $"ERR invalid expire time in '{command.ToLowerInvariant()}' command");

    public static EngineError UnsupportedOption(string option) =>
        new(ErrorKind.BadRequest, $"ERR Unsupported option {option}");

    public static EngineError UnknownTypeName(string type) =>
        new(ErrorKind.BadRequest, $"ERR unknown type name '{type}'");

    /// <summary>The log could not be written: writes are refused until it can (Redis's MISCONF text).</summary>
    public static EngineError PersistenceFailed(IOException exception) =>
        new(IsDiskFull(exception) ? ErrorKind.DiskFull : ErrorKind.PersistenceFailed,
            $"MISCONF Errors writing to the AOF file: {exception.Message}");

    /// <summary>ENOSPC, however the runtime reports it.</summary>
    private static bool IsDiskFull(IOException exception) =>
        exception.HResult is 28 or 112 or unchecked((int)0x80070070)
        || exception.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
        || exception.Message.Contains("disk full", StringComparison.OrdinalIgnoreCase);

    /// <summary>A reply over the caller's element limit (the command endpoint's <c>Commands:MaxReplyElements</c>), as Redis's client-output-buffer-limit protects the server.</summary>
    public static EngineError ReplyTooLarge(long elements, long limit) =>
        new(ErrorKind.TooLarge, $"ERR the reply would hold {elements} elements, more than the {limit} this request may still receive; ask for fewer (page with a range, SCAN or COUNT)");

    public static EngineError Internal(Exception exception) =>
        new(ErrorKind.Internal, "ERR internal error while executing the command", exception);

    // Numkeys commands (SINTERCARD, LMPOP, ZUNION…): the texts every numkeys command shares.
    public static readonly EngineError NumKeysNotPositive = new(ErrorKind.BadRequest, "ERR numkeys should be greater than 0");
    public static readonly EngineError TooManyNumKeys = new(ErrorKind.BadRequest, "ERR Number of keys can't be greater than number of args");
    public static readonly EngineError NegativeLimit = new(ErrorKind.BadRequest, "ERR LIMIT can't be negative");

    // Hashes (t_hash.c).
    public static readonly EngineError HashValueNotInteger = new(ErrorKind.NotANumber, "ERR hash value is not an integer");
    public static readonly EngineError HashValueNotFloat = new(ErrorKind.NotANumber, "ERR hash value is not a float");
    public static readonly EngineError ValueNaNOrInfinity = new(ErrorKind.NotANumber, "ERR value is NaN or Infinity");
    public static readonly EngineError ValueOutOfRange = new(ErrorKind.BadRequest, "ERR value is out of range");

    /// <summary>Redis's getRangeLongFromObjectOrReply text for an integer outside [min, max].</summary>
    public static EngineError ValueNotBetween(long min, long max) =>
        new(ErrorKind.BadRequest, $"ERR value is out of range, value must between {min} and {max}");

    // Lists (t_list.c).
    public static readonly EngineError IndexOutOfRange = new(ErrorKind.BadRequest, "ERR index out of range");
    public static readonly EngineError CountNotPositive = new(ErrorKind.BadRequest, "ERR count should be greater than 0");
    public static readonly EngineError RankZero = new(ErrorKind.BadRequest, "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
    public static readonly EngineError RankOutOfRange = ValueNotBetween(-long.MaxValue, long.MaxValue);
    public static readonly EngineError CountNegative = new(ErrorKind.BadRequest, "ERR COUNT can't be negative");
    public static readonly EngineError MaxLenNegative = new(ErrorKind.BadRequest, "ERR MAXLEN can't be negative");

    // Streams (t_stream.c).
    public static readonly EngineError InvalidStreamId = new(ErrorKind.BadRequest, "ERR Invalid stream ID specified as stream command argument");
    public static readonly EngineError StreamIdZero = new(ErrorKind.BadRequest, "ERR The ID specified in XADD must be greater than 0-0");
    public static readonly EngineError StreamIdTooSmall = new(ErrorKind.BadRequest, "ERR The ID specified in XADD is equal or smaller than the target stream top item");
    public static readonly EngineError StreamExhausted = new(ErrorKind.BadRequest, "ERR The stream has exhausted the last possible ID, unable to add more items");
    public static readonly EngineError StreamElementsTooLarge = new(ErrorKind.BadRequest, "ERR Elements are too large to be stored");
    public static readonly EngineError StreamInvalidStart = new(ErrorKind.BadRequest, "ERR invalid start ID for the interval");
    public static readonly EngineError StreamInvalidEnd = new(ErrorKind.BadRequest, "ERR invalid end ID for the interval");
    public static readonly EngineError StreamMaxLenAndMinId = new(ErrorKind.BadRequest, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
    public static readonly EngineError StreamMaxLenNegative = new(ErrorKind.BadRequest, "ERR The MAXLEN argument must be >= 0.");
    public static readonly EngineError StreamLimitNegative = new(ErrorKind.BadRequest, "ERR The LIMIT argument must be >= 0.");
    public static readonly EngineError StreamLimitWithoutStrategy = new(ErrorKind.BadRequest, "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    public static readonly EngineError StreamTrimWithoutStrategy = new(ErrorKind.BadRequest, "ERR syntax error, XTRIM must be called with a trimming strategy");
    public static readonly EngineError StreamLimitWithoutTilde = new(ErrorKind.BadRequest, "ERR syntax error, LIMIT cannot be used without the special ~ option");
    public static readonly EngineError TimeoutNotInteger = new(ErrorKind.BadRequest, "ERR timeout is not an integer or out of range");
    public static readonly EngineError StreamUnbalanced = new(ErrorKind.BadRequest, "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
    public static readonly EngineError StreamGroupOnlyInReadGroup = new(ErrorKind.BadRequest, "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
    public static readonly EngineError StreamNoAckOnlyInReadGroup = new(ErrorKind.BadRequest, "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
    public static readonly EngineError StreamMissingGroup = new(ErrorKind.BadRequest, "ERR Missing GROUP option for XREADGROUP");
    public static readonly EngineError StreamDollarInReadGroup = new(ErrorKind.BadRequest,
        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
    public static readonly EngineError StreamGreaterOnlyInReadGroup = new(ErrorKind.BadRequest,
        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
    public static readonly EngineError StreamKeyGone = new(ErrorKind.NoSuchKey, "UNBLOCKED the stream key no longer exists");
    public static readonly EngineError StreamGroupGone = new(ErrorKind.NoSuchKey, "NOGROUP the consumer group this client was blocked on no longer exists");
    public static readonly EngineError StreamEntriesReadInvalid = new(ErrorKind.BadRequest, "ERR value for ENTRIESREAD must be positive or -1");
    public static readonly EngineError StreamGroupNeedsKey = new(ErrorKind.NoSuchKey,
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
    public static readonly EngineError BusyGroup = new(ErrorKind.Conflict, "BUSYGROUP Consumer Group name already exists");
    public static EngineError StreamBlockInScript(string command) => new(ErrorKind.BadRequest, $"ERR {command} command is not allowed with BLOCK option from scripts");
    public static readonly EngineError XAutoClaimMinIdle = new(ErrorKind.BadRequest, "ERR Invalid min-idle-time argument for XAUTOCLAIM");
    public static readonly EngineError XAutoClaimCount = new(ErrorKind.BadRequest, "ERR COUNT must be > 0");
    public static readonly EngineError StreamEntriesAddedNegative = new(ErrorKind.BadRequest, "ERR entries_added must be positive");
    public static readonly EngineError StreamSetIdBelowMaxDeleted = new(ErrorKind.BadRequest, "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
    public static readonly EngineError StreamSetIdTooSmall = new(ErrorKind.BadRequest, "ERR The ID specified in XSETID is smaller than the target stream top item");
    public static readonly EngineError StreamEntriesAddedTooSmall = new(ErrorKind.BadRequest, "ERR The entries_added specified in XSETID is smaller than the target stream length");

    public static EngineError NoGroupInReadGroup(string key, string group) =>
        new(ErrorKind.NoSuchKey, $"NOGROUP No such key '{key}' or consumer group '{group}' in XREADGROUP with GROUP option");

    public static EngineError NoGroup(string key, string group) => new(ErrorKind.NoSuchKey, $"NOGROUP No such key '{key}' or consumer group '{group}'");

    public static EngineError NoGroupForKey(string group, string key) => new(ErrorKind.NoSuchKey, $"NOGROUP No such consumer group '{group}' for key name '{key}'");

    public static EngineError XClaimOption(string what) => new(ErrorKind.BadRequest, $"ERR Invalid {what} argument for XCLAIM");

    public static EngineError XClaimUnrecognized(string option) => new(ErrorKind.BadRequest, $"ERR Unrecognized XCLAIM option '{option}'");

    // Sorted sets (t_zset.c).
    public static readonly EngineError ZAddXxAndNx = new(ErrorKind.BadRequest, "ERR XX and NX options at the same time are not compatible");
    public static readonly EngineError ZAddGtLtAndNx = new(ErrorKind.BadRequest, "ERR GT, LT, and/or NX options at the same time are not compatible");
    public static readonly EngineError ZAddIncrOnePair = new(ErrorKind.BadRequest, "ERR INCR option supports a single increment-element pair");
    public static readonly EngineError ScoreIsNaN = new(ErrorKind.NotANumber, "ERR resulting score is not a number (NaN)");
    public static readonly EngineError MinMaxNotFloat = new(ErrorKind.BadRequest, "ERR min or max is not a float");
    public static readonly EngineError MinMaxNotLexRange = new(ErrorKind.BadRequest, "ERR min or max not valid string range item");
    public static readonly EngineError LimitNeedsByScoreOrLex = new(ErrorKind.BadRequest, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    public static readonly EngineError WithScoresNotWithByLex = new(ErrorKind.BadRequest, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    public static readonly EngineError WeightNotFloat = new(ErrorKind.BadRequest, "ERR weight value is not a float");

    public static EngineError AtLeastOneInputKey(string command) =>
        new(ErrorKind.BadRequest, $"ERR at least 1 input key is needed for '{command.ToLowerInvariant()}' command");

    // Locks (LOCK.*, Lodestone's own). Conflicts carry when to try again where it is known.
    public static readonly EngineError NotLockOwner = new(ErrorKind.Conflict,
        "NOTOWNER the lock is not held by this owner: it was released, its lease ended, or another owner holds it");
    public static readonly EngineError UnknownLock = new(ErrorKind.Conflict, "STALE no grant of this lock is known");
    public static readonly EngineError EmptyLockOwner = new(ErrorKind.BadRequest, "ERR the owner must not be empty");
    public static readonly EngineError LockWaitNegative = new(ErrorKind.BadRequest, "ERR WAIT can't be negative");
    public static readonly EngineError LockTokenWentBack = new(ErrorKind.BadRequest, "ERR a lock's fencing token can only grow");

    public static EngineError LockHeld(long remainingMs) =>
        new(ErrorKind.Conflict, $"LOCKED the lock is held by another owner for {remainingMs} more ms") { RetryAfter = TimeSpan.FromMilliseconds(remainingMs) };

    public static EngineError LockQueued(int waiters) =>
        new(ErrorKind.Conflict, $"LOCKED {waiters} caller(s) are already waiting for the lock");

    public static EngineError LockGrantsPaused(long remainingMs) =>
        new(ErrorKind.Conflict, $"LOCKED lock grants are paused for {remainingMs} more ms after an unclean restart") { RetryAfter = TimeSpan.FromMilliseconds(remainingMs) };

    public static EngineError LockTtlOutOfRange(long max) =>
        new(ErrorKind.BadRequest, $"ERR ttl-ms must be between 1 and {max} (Engine:LockMaxTtlMs)");

    public static EngineError StaleFencingToken(long token, long latest) =>
        new(ErrorKind.Conflict, $"STALE fencing token {token} is older than the lock's latest grant ({latest})");

    // HyperLogLogs (hyperloglog.c).
    public static readonly EngineError NotHyperLogLog = new(ErrorKind.WrongType, "WRONGTYPE Key is not a valid HyperLogLog string value.");
    public static readonly EngineError CorruptedHyperLogLog = new(ErrorKind.Conflict, "INVALIDOBJ Corrupted HLL object detected");
    public static readonly EngineError PfDebugNoSuchKey = new(ErrorKind.NoSuchKey, "ERR The specified key does not exist");
    public static readonly EngineError HllNotSparse = new(ErrorKind.BadRequest, "ERR HLL encoding is not sparse");

    public static EngineError UnknownPfDebugSubcommand(string subcommand) =>
        new(ErrorKind.BadRequest, $"ERR Unknown PFDEBUG subcommand '{subcommand}'");

    public static EngineError HllSelfTestFailed(string why) => new(ErrorKind.Internal, "TESTFAILED " + why);

    // Rate limits (CL.THROTTLE; redis-cell itself checks none of these).
    public static readonly EngineError MaxBurstNegative = new(ErrorKind.BadRequest, "ERR max_burst can't be negative");
    public static readonly EngineError PeriodNotPositive = new(ErrorKind.BadRequest, "ERR period should be greater than 0");
    public static readonly EngineError QuantityNegative = new(ErrorKind.BadRequest, "ERR quantity can't be negative");
    public static readonly EngineError RateOutOfRange = new(ErrorKind.BadRequest, "ERR rate out of range: period / count is less than 1 nanosecond");
    public static readonly EngineError BurstOutOfRange = new(ErrorKind.BadRequest, "ERR burst out of range: (max_burst + 1) * period / count is more than 100 years");

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    /// <summary>
    /// At most <paramref name="max"/> bytes of an argument, as Redis prints it with <c>%.*s</c> (up
    /// to a NUL byte), on one line: an error reply cannot hold CR or LF.
    /// </summary>
    private static string Printable(ReadOnlySpan<byte> argument, int max, out int bytes)
    {
        argument = argument[..Math.Min(argument.Length, max)];
        var nul = argument.IndexOf((byte)0);
        if (nul >= 0)
            argument = argument[..nul];
        bytes = argument.Length;
        return Encoding.UTF8.GetString(argument).Replace('\r', ' ').Replace('\n', ' ');
    }
}
