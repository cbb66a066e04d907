using Lodestone.Api.Errors;
using Lodestone.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lodestone.Api.Endpoints;

/// <summary>Small helpers for turning engine results into HTTP results.</summary>
internal static class EngineReplies
{
    /// <summary>True (with the problem) when the reply is an error.</summary>
    public static bool IsProblem(this Reply reply, out ProblemHttpResult problem)
    {
        if (reply.IsError)
        {
            problem = Problems.From(reply.AsError());
            return true;
        }
        problem = null!;
        return false;
    }
}
