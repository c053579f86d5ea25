"""The benchmark's peer: the same Todo routes as mod_todo, written the way
the FastAPI + SQLModel tutorials write them, from Debian 12's packages only
(python3-fastapi, -uvicorn, -sqlmodel, -jose, -passlib, -psycopg2;
scripts/deps.sh bench). tests/bench/run.sh serves it with uvicorn, 2
workers, on loopback, on SQLite and on PostgreSQL.

Environment: PEER_DB (SQLite file) or PEER_PG (a PostgreSQL database as
an SQLAlchemy URL through psycopg2, postgresql+psycopg2://..., which wins
over PEER_DB), PEER_SECRET (JWT HS256 key, shared by the workers),
BCRYPT_COST (12). `python3 app.py init` creates the tables once, before the
workers start (two workers racing to create them fail).

SQLite runs as mod_todo's does: WAL with synchronous=FULL, so a 201 means
the task is on disk in both. PostgreSQL runs with the server's defaults,
as mod_todo's does (synchronous_commit on).
"""

import os
import sys
import uuid
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import List, Optional

from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from sqlalchemy import Index, event, or_
from sqlmodel import Field, Session, SQLModel, create_engine, func, select

SECRET = os.environ.get("PEER_SECRET", "insecure-peer-secret")
ALGORITHM = "HS256"
PG_URL = os.environ.get("PEER_PG")
if PG_URL:
    # Per uvicorn worker: FastAPI runs the sync routes and dependencies in
    # anyio's thread pool, at most 40 threads at once, and a request holds
    # one connection (get_session is one dependency per request, shared by
    # current_user and the route). The bench's 64 connections over 2
    # workers are about 32 requests in flight per worker: 32 connections
    # kept open, 8 more when the kernel hands one worker more than its half
    # of them, so never more than its 40 threads could use. 2 workers x 40
    # = 80 server processes at most, within pg.sh's max_connections (300).
    # (mod_todo's pool: DBDMax = ThreadsPerChild = 64 per httpd process.)
    engine = create_engine(PG_URL, pool_size=32, max_overflow=8)
else:
    engine = create_engine("sqlite:///" + os.environ.get("PEER_DB", "peer.db"),
                           connect_args={"check_same_thread": False,
                                         "timeout": 30})
pwd = CryptContext(schemes=["bcrypt"],
                   bcrypt__rounds=int(os.environ.get("BCRYPT_COST", "12")))
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login")


if not PG_URL:
    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(conn, _record):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")


def _now():
    return datetime.now(timezone.utc)


def _uuid():
    return str(uuid.uuid4())


class User(SQLModel, table=True):
    id: str = Field(default_factory=_uuid, primary_key=True)
    email: str = Field(index=True, sa_column_kwargs={"unique": True})
    username: str = Field(index=True, sa_column_kwargs={"unique": True})
    hashed_password: str
    created_at: datetime = Field(default_factory=_now)


class UserCreate(SQLModel):
    email: str = Field(max_length=254)
    username: str = Field(min_length=3, max_length=50)
    password: str = Field(min_length=8, max_length=128)


class UserRead(SQLModel):
    id: str
    email: str
    username: str
    created_at: datetime


class Status(str, Enum):
    pending = "pending"
    in_progress = "in_progress"
    done = "done"


class Priority(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


class TaskCreate(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: Optional[str] = Field(default=None, max_length=2000)
    status: Status = Status.pending
    completed: bool = False
    priority: Priority = Priority.medium
    due_date: Optional[datetime] = None


class Task(TaskCreate, table=True):
    __table_args__ = (Index("ix_task_owner_created", "owner_id",
                            "created_at", "id"),)
    id: str = Field(default_factory=_uuid, primary_key=True)
    owner_id: str = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class TaskPage(SQLModel):
    tasks: List[Task]
    total: int
    page: int
    page_size: int


def get_session():
    with Session(engine) as session:
        yield session


def current_user(token: str = Depends(oauth2),
                 session: Session = Depends(get_session)) -> User:
    unauthorized = HTTPException(status.HTTP_401_UNAUTHORIZED,
                                 "Could not validate credentials",
                                 {"WWW-Authenticate": "Bearer"})
    try:
        user_id = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except JWTError:
        raise unauthorized
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise unauthorized
    return user


app = FastAPI(title="Todo peer")


@app.get("/api/v1/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/api/v1/auth/register", response_model=UserRead, status_code=201)
def register(body: UserCreate, session: Session = Depends(get_session)):
    taken = session.exec(select(User).where(or_(
        User.email == body.email, User.username == body.username))).first()
    if taken:
        raise HTTPException(409, "Email or username already registered")
    user = User(email=body.email, username=body.username,
                hashed_password=pwd.hash(body.password))
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


@app.post("/api/v1/auth/login")
def login(form: OAuth2PasswordRequestForm = Depends(),
          session: Session = Depends(get_session)):
    user = session.exec(select(User).where(or_(
        User.username == form.username, User.email == form.username))).first()
    if not user or not pwd.verify(form.password, user.hashed_password):
        raise HTTPException(401, "Incorrect username or password",
                            {"WWW-Authenticate": "Bearer"})
    claims = {"sub": user.id, "exp": _now() + timedelta(minutes=30)}
    return {"access_token": jwt.encode(claims, SECRET, algorithm=ALGORITHM),
            "token_type": "bearer"}


@app.post("/api/v1/tasks", response_model=Task, status_code=201)
def create_task(body: TaskCreate, user: User = Depends(current_user),
                session: Session = Depends(get_session)):
    task = Task(**body.dict(), owner_id=user.id)
    session.add(task)
    session.commit()
    session.refresh(task)
    return task


@app.get("/api/v1/tasks", response_model=TaskPage)
def list_tasks(page: int = Query(1, ge=1),
               page_size: int = Query(10, ge=1, le=100),
               user: User = Depends(current_user),
               session: Session = Depends(get_session)):
    mine = Task.owner_id == user.id
    total = session.exec(select(func.count()).select_from(Task)
                         .where(mine)).one()
    tasks = session.exec(select(Task).where(mine)
                         .order_by(Task.created_at.desc(), Task.id.desc())
                         .offset((page - 1) * page_size)
                         .limit(page_size)).all()
    return TaskPage(tasks=tasks, total=total, page=page, page_size=page_size)


@app.get("/api/v1/tasks/{task_id}", response_model=Task)
def get_task(task_id: str, user: User = Depends(current_user),
             session: Session = Depends(get_session)):
    task = session.get(Task, task_id)
    if task is None or task.owner_id != user.id:
        raise HTTPException(404, "Task not found")
    return task


if __name__ == "__main__" and sys.argv[1:] == ["init"]:
    SQLModel.metadata.create_all(engine)
