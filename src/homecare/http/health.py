"""`GET /health` for a load balancer: is the store reachable, how far behind are the projections."""

import logging
from typing import Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from homecare.bootstrap import Homecare
from homecare.http.requests import no_query

__all__ = ["Health", "health_router"]

logger = logging.getLogger("homecare.http")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    store_reachable: bool
    lag: int | None = Field(
        description="Events in the log not yet projected (the largest over projections)."
    )
    projections: dict[str, int] = Field(description="Lag in events, per projection.")
    stopped: list[str] = Field(
        default_factory=list,
        description="Projections stopped at an event they cannot apply (D10): which, why.",
    )


def health_router(homecare: Homecare) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/health",
        operation_id="health",
        response_model=Health,
        summary="Store reachable, projection lag in events (no token needed)",
        responses={
            503: {
                "model": Health,
                "description": "The store cannot be reached, or a projection stopped.",
            }
        },
        dependencies=[Depends(no_query)],
    )
    def health(response: Response) -> Health:
        try:
            lags = {runner.name: runner.lag() for runner in homecare.runners}
        except Exception as error:  # any failure to read the store means "unhealthy"
            logger.warning("health: store unreachable (%s)", type(error).__name__)
            response.status_code = 503
            return Health(status="unavailable", store_reachable=False, lag=None, projections={})
        stopped = [s.describe() for s in homecare.stopped()]
        if stopped:
            response.status_code = 503
        return Health(
            status="unavailable" if stopped else "ok",
            store_reachable=True,
            lag=max(lags.values(), default=0),
            projections=lags,
            stopped=stopped,
        )

    return router
